use std::io::IsTerminal;
use std::net::TcpListener;

use clap::{Parser, Subcommand};
use liaison::config::{Config, DbArgs};
use liaison::db::Db;

/// Liaison: registration, agendas and matchmaking for consortium networking events.
#[derive(Parser)]
#[command(name = "liaison", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// Parsed once at start-up: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Run the web server (applies pending migrations first).
    Serve {
        #[command(flatten)]
        config: Config,
        /// Fill the database with demonstration content and print the demo logins.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Create an administrator (or make an existing account one). The password comes from
    /// LIAISON_ADMIN_PASSWORD or is asked for on the terminal.
    CreateAdmin {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "Administrator")]
        name: String,
    },
    /// Add one large generated event (participants, programme, matchmaking, published
    /// meeting schedule) for load tests and benchmarks; prints a participant login.
    DemoData {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long, default_value_t = 5000)]
        participants: usize,
        #[arg(long, default_value_t = 120)]
        sessions: usize,
    },
    /// Copy a whole database into a new, empty one (e.g. the embedded SQLite into PostgreSQL).
    CopyDb {
        /// Source DATABASE_URL (sqlite://… or postgres://…).
        #[arg(long)]
        from: String,
        /// Target DATABASE_URL; it is migrated first and must hold no data.
        #[arg(long)]
        to: String,
    },
    /// Run the meeting scheduler alone on an instance file (the interchange format of
    /// DESIGN.md) and write the timetable.
    Schedule {
        /// Instance JSON file ("-" reads standard input).
        #[arg(long)]
        input: String,
        /// Timetable JSON file ("-" writes to standard output).
        #[arg(long, default_value = "-")]
        output: String,
    },
}

fn main() {
    tune_allocator();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,actix_server=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    if let Err(e) = run(cli) {
        eprintln!("liaison: {e:#}");
        std::process::exit(1);
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    // Everything the server writes is private to its user; `schedule` writes only the file
    // the caller names, with the caller's own mask.
    if !matches!(cli.command, Command::Schedule { .. }) {
        liaison::config::private_files();
    }
    match cli.command {
        Command::Serve { config, demo } => serve(config, demo),
        Command::Migrate { db } => {
            let db = open(&db)?;
            let n = db.migrate()?;
            println!("{n} migration(s) applied");
            Ok(())
        }
        Command::CreateAdmin { db, email, name } => create_admin(&db, &email, &name),
        Command::Schedule { input, output } => schedule(&input, &output),
        Command::CopyDb { from, to } => copy_db(&from, &to),
        Command::DemoData { db, participants, sessions } => {
            if !(2..=50_000).contains(&participants) || sessions > 2_000 {
                anyhow::bail!("--participants must be between 2 and 50000 and --sessions at most 2000");
            }
            let db = open(&db)?;
            db.migrate()?;
            let started = std::time::Instant::now();
            let s = liaison::demo::scaled::seed(&db, participants, sessions)?;
            println!(
                "Added /events/{}: {} participants, {} sessions, {} meetings in {:.1} s.",
                s.slug,
                s.participants,
                s.sessions,
                s.meetings,
                started.elapsed().as_secs_f64()
            );
            println!("Participant login: {}  password: {}", s.attendee_email, s.password);
            Ok(())
        }
    }
}

fn open(args: &DbArgs) -> anyhow::Result<Db> {
    let url = args.parsed()?;
    Db::connect(&url, args.pool_size())
}

fn serve(config: Config, demo: bool) -> anyhow::Result<()> {
    let settings = config.resolve()?;
    settings.secure_data_dir()?;
    let db = Db::connect(&settings.database_url, settings.db_pool_size)?;
    let applied = db.migrate()?;
    tracing::info!(database = %settings.database_url.display(), applied, "database ready");
    if demo {
        let logins = liaison::demo::seed(&db)?;
        println!("\nDemo data is ready. Log in at {}/login with:", settings.base_url);
        for l in &logins {
            println!("  {:<10} {}  password: {}", l.role, l.email, l.password);
        }
        println!();
    }
    let listener = TcpListener::bind(&settings.addr)
        .map_err(|e| anyhow::anyhow!("cannot listen on {} (LIAISON_ADDR): {e}", settings.addr))?;
    actix_web::rt::System::new().block_on(async move {
        let running = liaison::app::start(&settings, db, listener, true)?;
        tracing::info!("listening on http://{} (public address {})", running.addr, settings.base_url);
        running.server.await?;
        Ok(())
    })
}

fn create_admin(args: &DbArgs, email: &str, name: &str) -> anyhow::Result<()> {
    let mut errors = liaison::web::FormErrors::default();
    let email = liaison::accounts::model::normalise_email(email);
    liaison::accounts::model::check_email(&mut errors, "email", &email);
    liaison::accounts::model::check_name(&mut errors, "name", name);
    let password = match std::env::var("LIAISON_ADMIN_PASSWORD") {
        Ok(p) => p,
        Err(_) if std::io::stdin().is_terminal() => {
            let p = rpassword::prompt_password(format!("Password for {email}: "))?;
            if rpassword::prompt_password("Repeat the password: ")? != p {
                anyhow::bail!("the passwords differ");
            }
            p
        }
        Err(_) => anyhow::bail!("set LIAISON_ADMIN_PASSWORD or run this on a terminal to be asked for the password"),
    };
    liaison::accounts::model::check_new_password(&mut errors, "password", &password, &[name, &email]);
    if let Some(msg) = ["email", "name", "password"].iter().find_map(|f| errors.get(f)) {
        anyhow::bail!("{msg}");
    }
    let db = open(args)?;
    db.migrate()?;
    let hash = liaison::accounts::password::hash_blocking(&password)?;
    let mut conn = db.get()?;
    let created = liaison::accounts::service::upsert_admin(&mut conn, &email, name.trim(), &hash)?;
    println!("{} {email}", if created { "created administrator" } else { "made administrator:" });
    Ok(())
}

fn schedule(input: &str, output: &str) -> anyhow::Result<()> {
    use liaison::matchmaking::engine;
    use std::io::Read;
    let mut text = String::new();
    if input == "-" {
        std::io::stdin().read_to_string(&mut text)?;
    } else {
        text = std::fs::read_to_string(input).map_err(|e| anyhow::anyhow!("cannot read {input}: {e}"))?;
    }
    let instance: engine::Instance =
        serde_json::from_str(&text).map_err(|e| anyhow::anyhow!("{input} is not a valid instance: {e}"))?;
    let timetable = engine::schedule(&instance).map_err(|e| anyhow::anyhow!("{input}: {e}"))?;
    let json = serde_json::to_string_pretty(&timetable)?;
    if output == "-" {
        println!("{json}");
    } else {
        std::fs::write(output, json + "\n").map_err(|e| anyhow::anyhow!("cannot write {output}: {e}"))?;
    }
    eprintln!(
        "{} pair meetings; {} of {} group meetings; {} of {} requested pairs; objective {:.2}, at least {:.1} % of the \
         best possible; {} people with a possible partner have none; {} ms",
        timetable.meetings.len(),
        timetable.groups_scheduled,
        timetable.groups_total,
        timetable.requested_scheduled,
        timetable.requested_total,
        timetable.objective,
        timetable.quality * 100.0,
        timetable.participants_without_meeting,
        timetable.elapsed_ms
    );
    Ok(())
}

fn copy_db(from: &str, to: &str) -> anyhow::Result<()> {
    use liaison::db::DatabaseUrl;
    let (from_url, to_url) =
        (DatabaseUrl::parse(from).map_err(anyhow::Error::msg)?, DatabaseUrl::parse(to).map_err(anyhow::Error::msg)?);
    if from_url == to_url {
        anyhow::bail!("--from and --to are the same database");
    }
    let source = Db::connect(&from_url, 1)?;
    source.migrate()?;
    let target = Db::connect(&to_url, 1)?;
    target.migrate()?;
    let started = std::time::Instant::now();
    let (mut a, mut b) = (source.get()?, target.get()?);
    let copied = liaison::db::copy::copy_all(&mut a, &mut b)?;
    let rows: usize = copied.iter().map(|(_, n)| n).sum();
    for (table, n) in &copied {
        if *n > 0 {
            println!("  {table:<24} {n:>8}");
        }
    }
    println!(
        "Copied {rows} rows from {} to {} in {:.1} s. Point DATABASE_URL at the new database and restart.",
        from_url.display(),
        to_url.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// glibc raises its mmap threshold to the size of the largest block freed so far: after the
/// first 19 MiB argon2 block, such blocks come from per-thread arenas and stay there, and a
/// sign-up rush grew the server past 600 MiB (bench/load.sh). A fixed threshold keeps big
/// blocks in mmap (returned on free), and fewer arenas bound what the threads keep.
fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator parameters; called once before other threads start.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
        libc::mallopt(libc::M_ARENA_MAX, 4);
    }
}
