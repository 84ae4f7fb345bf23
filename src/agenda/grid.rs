//! The time grid of one day: rows between consecutive start and end times, one column per
//! room, sessions spanning rows (and all columns for sessions without a room, such as
//! plenaries and breaks). An HTML table, so it works without JavaScript or inline styles.

use chrono::NaiveDateTime;

use super::model::Session;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Empty,
    /// A session starting in this row, spanning `rows` rows and `cols` columns.
    Session {
        id: i64,
        rows: usize,
        cols: usize,
    },
    /// Covered by a session from an earlier row or column: no `<td>`.
    Covered,
}

#[derive(Debug, Clone)]
pub struct Row {
    pub start: NaiveDateTime,
    pub end: NaiveDateTime,
    pub cells: Vec<Cell>,
}

#[derive(Debug, Clone, Default)]
pub struct Grid {
    pub rows: Vec<Row>,
    /// Sessions that overlap another in the same room and could not be drawn (shown below).
    pub unplaced: Vec<i64>,
}

/// Lays out `sessions` (one day, not cancelled) over `rooms` (column order).
pub fn layout(sessions: &[&Session], rooms: &[i64]) -> Grid {
    let mut bounds: Vec<NaiveDateTime> = sessions.iter().flat_map(|s| [s.starts_at, s.ends_at]).collect();
    bounds.sort();
    bounds.dedup();
    if bounds.len() < 2 || rooms.is_empty() && sessions.iter().any(|s| s.room_id.is_some()) {
        return Grid { rows: Vec::new(), unplaced: sessions.iter().map(|s| s.id).collect() };
    }
    let ncols = rooms.len().max(1);
    let mut rows: Vec<Row> =
        bounds.windows(2).map(|w| Row { start: w[0], end: w[1], cells: vec![Cell::Empty; ncols] }).collect();
    let row_of = |t: NaiveDateTime| bounds.iter().position(|b| *b == t).unwrap_or(0);
    let mut unplaced = Vec::new();
    let mut ordered: Vec<&&Session> = sessions.iter().collect();
    // Room-less sessions first (they need whole rows), then by time.
    ordered.sort_by_key(|s| (s.room_id.is_some(), s.starts_at, s.id));
    for s in ordered {
        let (r0, r1) = (row_of(s.starts_at), row_of(s.ends_at));
        let cols: Vec<usize> = match s.room_id {
            None => (0..ncols).collect(),
            Some(room) => match rooms.iter().position(|r| *r == room) {
                Some(c) => vec![c],
                None => {
                    unplaced.push(s.id);
                    continue;
                }
            },
        };
        let free = (r0..r1).all(|r| cols.iter().all(|c| rows[r].cells[*c] == Cell::Empty));
        if !free || r1 <= r0 {
            unplaced.push(s.id);
            continue;
        }
        for (ri, row) in rows.iter_mut().enumerate().take(r1).skip(r0) {
            for (k, c) in cols.iter().enumerate() {
                row.cells[*c] = if ri == r0 && k == 0 {
                    Cell::Session { id: s.id, rows: r1 - r0, cols: cols.len() }
                } else {
                    Cell::Covered
                };
            }
        }
    }
    Grid { rows, unplaced }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(id: i64, room: Option<i64>, start: &str, end: &str) -> Session {
        let t = |x: &str| NaiveDateTime::parse_from_str(&format!("2026-03-10 {x}"), "%Y-%m-%d %H:%M").expect("t");
        Session {
            id,
            event_id: 1,
            guid: String::new(),
            title: String::new(),
            abstract_text: String::new(),
            kind: "talk".into(),
            starts_at: t(start),
            ends_at: t(end),
            room_id: room,
            track_id: None,
            capacity: None,
            signup_required: false,
            status: "scheduled".into(),
            sequence: 0,
            signups_version: 0,
            created_at: t(start),
            updated_at: t(start),
        }
    }

    #[test]
    fn plenary_spans_all_rooms_and_parallel_sessions_share_rows() {
        let keynote = s(1, None, "09:00", "10:00");
        let a = s(2, Some(10), "10:00", "11:00");
        let b = s(3, Some(20), "10:00", "10:30");
        let clash = s(4, Some(10), "10:30", "11:00");
        let g = layout(&[&keynote, &a, &b, &clash], &[10, 20]);
        assert_eq!(g.rows.len(), 3);
        assert_eq!(g.rows[0].cells, vec![Cell::Session { id: 1, rows: 1, cols: 2 }, Cell::Covered]);
        assert_eq!(
            g.rows[1].cells,
            vec![Cell::Session { id: 2, rows: 2, cols: 1 }, Cell::Session { id: 3, rows: 1, cols: 1 }]
        );
        assert_eq!(g.rows[2].cells, vec![Cell::Covered, Cell::Empty]);
        assert_eq!(g.unplaced, vec![4]);
    }
}
