//! Duplicate detection: the numbering contract says a number is never
//! reused within a business day and every ticket id is unique, so among the
//! tickets one run was issued, any repeated id or repeated
//! (business day, number) pair is a bug, whatever the load.
//!
//! Numbers carry their service's prefix (`A023`, `B023`), so the pair
//! needs no service id to be unique across services.

use std::collections::HashSet;

use banli_core::ids::TicketId;
use banli_core::jiff::civil::Date;

/// How many duplicates are kept as examples for the report.
const EXAMPLES: usize = 5;

/// Every ticket seen so far, by id and by (business day, number).
#[derive(Debug, Default)]
pub struct DuplicateCheck {
    /// Ids seen.
    ids: HashSet<TicketId>,
    /// Numbers seen, per business day.
    numbers: HashSet<(Date, String)>,
    /// Tickets whose id or number had been seen before.
    duplicates: u64,
    /// The first few duplicates, described, for a human to chase.
    examples: Vec<String>,
}

impl DuplicateCheck {
    /// Room for `n` tickets.
    pub fn with_capacity(n: usize) -> Self {
        Self {
            ids: HashSet::with_capacity(n),
            numbers: HashSet::with_capacity(n),
            ..Self::default()
        }
    }

    /// Records one issued ticket; returns `true` when it repeats an id or a
    /// number seen before. A ticket that repeats both (the very same ticket
    /// handed out twice) counts as one duplicate.
    pub fn record(&mut self, id: TicketId, day: Date, number: &str) -> bool {
        let new_id = self.ids.insert(id);
        let new_number = self.numbers.insert((day, number.to_owned()));
        let duplicate = !(new_id && new_number);
        if duplicate {
            self.duplicates += 1;
            if self.examples.len() < EXAMPLES {
                let what = match (new_id, new_number) {
                    (false, false) => "id and number both repeated",
                    (false, true) => "id repeated with a new number",
                    _ => "number repeated under a new id",
                };
                self.examples
                    .push(format!("ticket {id} {number} on {day}: {what}"));
            }
        }
        duplicate
    }

    /// Tickets that repeated an id or a number.
    pub fn duplicates(&self) -> u64 {
        self.duplicates
    }

    /// Descriptions of the first few duplicates.
    pub fn examples(&self) -> &[String] {
        &self.examples
    }
}

#[cfg(test)]
mod tests {
    use banli_core::jiff::civil::date;

    use super::*;

    #[test]
    fn distinct_tickets_are_not_duplicates() {
        let day = date(2025, 3, 3);
        let mut check = DuplicateCheck::with_capacity(4);
        assert!(!check.record(TicketId(1), day, "A001"));
        assert!(!check.record(TicketId(2), day, "A002"));
        // Same number in another service (prefix) or on another day is fine.
        assert!(!check.record(TicketId(3), day, "B001"));
        assert!(!check.record(TicketId(4), date(2025, 3, 4), "A001"));
        assert_eq!(check.duplicates(), 0);
        assert!(check.examples().is_empty());
    }

    #[test]
    fn a_repeated_number_or_id_is_a_duplicate() {
        let day = date(2025, 3, 3);
        let mut check = DuplicateCheck::default();
        check.record(TicketId(1), day, "A001");
        assert!(
            check.record(TicketId(2), day, "A001"),
            "same number, new id"
        );
        assert!(
            check.record(TicketId(1), day, "A009"),
            "same id, new number"
        );
        assert!(
            check.record(TicketId(1), day, "A001"),
            "the same ticket twice"
        );
        assert_eq!(check.duplicates(), 3);
        assert_eq!(check.examples().len(), 3);
        assert!(check.examples()[0].contains("A001"));
    }

    #[test]
    fn examples_are_capped() {
        let day = date(2025, 3, 3);
        let mut check = DuplicateCheck::default();
        for _ in 0..20 {
            check.record(TicketId(7), day, "C007");
        }
        assert_eq!(check.duplicates(), 19);
        assert_eq!(check.examples().len(), EXAMPLES);
    }
}
