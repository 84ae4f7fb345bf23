//! argon2id password hashing on a few threads of its own, at most one hash per core at a time:
//! each hash holds 19 MiB for its whole run, so a rush of sign-ups queues instead of exhausting
//! memory. Dedicated threads also keep that memory in a few allocator arenas: spread over the
//! many threads of the blocking pool, the freed 19 MiB blocks stayed with each thread's arena
//! and the server grew to a gigabyte during a sign-up rush (measured with bench/load.sh).

use std::sync::Arc;
use std::time::Duration;

use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version};
use tokio::sync::Semaphore;

use crate::error::AppError;

type Job = Box<dyn FnOnce() + Send>;

#[derive(Clone)]
pub struct Passwords {
    permits: Arc<Semaphore>,
    /// A request waits at most this long for a free hashing slot before it gets 503.
    queue_wait: Duration,
    jobs: std::sync::mpsc::Sender<Job>,
    /// Verified against when the e-mail is unknown, so such logins take as long as real ones.
    dummy_hash: Arc<String>,
}

/// OWASP's minimum for argon2id: 19 MiB, two passes, one lane.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash_blocking(password: &str) -> Result<String, AppError> {
    let hash: PasswordHash = argon2().hash_password(password.as_bytes()).map_err(AppError::internal)?;
    Ok(hash.to_string())
}

pub fn verify_blocking(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(hash) => argon2().verify_password(password.as_bytes(), &hash).is_ok(),
        Err(_) => false,
    }
}

impl Passwords {
    pub fn new(concurrency: usize, queue_wait: Duration) -> Result<Self, AppError> {
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let queue = Arc::new(std::sync::Mutex::new(queue));
        for i in 0..concurrency.max(1) {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || loop {
                    // The lock is held only to take the next job; the channel closes with the server.
                    let job = match queue.lock() {
                        Ok(q) => q.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                })
                .map_err(AppError::internal)?;
        }
        Ok(Self {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            queue_wait,
            jobs,
            dummy_hash: Arc::new(hash_blocking("liaison: no such account")?),
        })
    }

    async fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> Result<T, AppError> {
        let permit = tokio::time::timeout(self.queue_wait, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| AppError::Unavailable("password hashing queue is full".into()))?
            .map_err(AppError::internal)?;
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                let _ = tx.send(f());
                drop(permit);
            }))
            .map_err(|_| AppError::internal("password hashing threads are gone"))?;
        rx.await.map_err(|_| AppError::internal("password hashing failed"))
    }

    pub async fn hash(&self, password: String) -> Result<String, AppError> {
        self.run(move || hash_blocking(&password)).await?
    }

    /// The message to show beside the field when `password` may not be chosen as a new
    /// password (see `model::check_new_password`), checked on the hashing threads: estimating
    /// the strength of a long password takes tens of milliseconds, too long for an async worker.
    pub async fn refusal(&self, password: String, personal: Vec<String>) -> Result<Option<String>, AppError> {
        self.run(move || {
            let personal: Vec<&str> = personal.iter().map(String::as_str).collect();
            let mut errors = crate::web::FormErrors::default();
            super::model::check_new_password(&mut errors, "password", &password, &personal);
            errors.get("password").map(str::to_string)
        })
        .await
    }

    /// Checks `password` against `phc`, or against a dummy hash when there is no account, so
    /// that both answers cost the same time.
    pub async fn verify(&self, password: String, phc: Option<String>) -> Result<bool, AppError> {
        let dummy = self.dummy_hash.clone();
        self.run(move || match phc {
            Some(h) => verify_blocking(&password, &h),
            None => {
                verify_blocking(&password, &dummy);
                false
            }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_with_owasp_parameters() {
        let h = hash_blocking("correct horse battery").expect("hash");
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify_blocking("correct horse battery", &h));
        assert!(!verify_blocking("wrong horse battery", &h));
        assert!(!verify_blocking("x", "not a hash"));
        assert_ne!(h, hash_blocking("correct horse battery").expect("hash"), "salted");
    }
}
