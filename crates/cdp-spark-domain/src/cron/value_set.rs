//! The values one field of an expression allows, as Quartz's `TreeSet`
//! holds them — markers included: Quartz stores `*` as the value 99 and `?`
//! as 98 next to the real values, and its lookups (`tailSet`, `first`,
//! `last`) see them. A bitset answers those lookups in a few instructions.
//!
//! Quartz's evaluator only ever asks for the smallest value at or above a
//! calendar field (at most 59 for seconds and minutes, 31 for days, 2999
//! for years), so values beyond the bitset only matter through the
//! smallest and the largest of them; those two are all that is kept.

/// A set of non-negative `i32` values with a dense bitset for
/// `0..64 * WORDS` and only the extremes of larger values.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct ValueSet<const WORDS: usize> {
    bits: [u64; WORDS],
    /// Smallest and largest stored value `>= 64 * WORDS`, if any.
    beyond: Option<(i32, i32)>,
}

/// Seconds, minutes, hours, days of month, months, days of week.
pub(crate) type SmallSet = ValueSet<2>;
/// Years: dense up to 3071, which covers every year Quartz can return
/// (it gives up after 2999).
pub(crate) type YearSet = ValueSet<48>;

impl<const WORDS: usize> Default for ValueSet<WORDS> {
    fn default() -> Self {
        Self {
            bits: [0; WORDS],
            beyond: None,
        }
    }
}

impl<const WORDS: usize> ValueSet<WORDS> {
    const DENSE: i32 = 64 * WORDS as i32;

    pub(crate) fn insert(&mut self, value: i32) {
        if value < 0 {
            // Quartz's grammar cannot produce negative values; ignore
            // rather than index out of range.
            return;
        }
        if value < Self::DENSE {
            let v = value as usize;
            self.bits[v / 64] |= 1u64 << (v % 64);
        } else {
            self.beyond = Some(match self.beyond {
                None => (value, value),
                Some((lo, hi)) => (lo.min(value), hi.max(value)),
            });
        }
    }

    /// Inserts `start, start + step, ...` up to and including `stop`,
    /// without walking values beyond the dense part one by one.
    pub(crate) fn insert_stepped(&mut self, start: i32, stop: i32, step: i32) {
        if step <= 0 || start > stop {
            return;
        }
        let (start, stop, step) = (i64::from(start), i64::from(stop), i64::from(step));
        let dense = i64::from(Self::DENSE);
        let mut v = start;
        while v <= stop && v < dense {
            self.insert(v as i32);
            v += step;
        }
        if v <= stop {
            // v is the first value beyond the dense part; the last one is
            // the largest start + k * step <= stop.
            let last = start + (stop - start) / step * step;
            self.insert(v as i32);
            self.insert(last as i32);
        }
    }

    pub(crate) fn contains(&self, value: i32) -> bool {
        if value < 0 {
            return false;
        }
        if value < Self::DENSE {
            let v = value as usize;
            self.bits[v / 64] & (1u64 << (v % 64)) != 0
        } else {
            matches!(self.beyond, Some((lo, hi)) if value == lo || value == hi)
        }
    }

    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.beyond.is_none() && self.bits.iter().all(|w| *w == 0)
    }

    /// Smallest value `>= from` (Quartz: `set.tailSet(from).first()`).
    #[inline]
    pub(crate) fn at_or_after(&self, from: i32) -> Option<i32> {
        let from = from.max(0);
        if from < Self::DENSE {
            let mut word = (from / 64) as usize;
            let mut w = self.bits[word] & (!0u64 << (from % 64));
            loop {
                if w != 0 {
                    return Some(word as i32 * 64 + w.trailing_zeros() as i32);
                }
                word += 1;
                if word == WORDS {
                    break;
                }
                w = self.bits[word];
            }
        }
        match self.beyond {
            Some((lo, _)) if lo >= from => Some(lo),
            Some((_, hi)) if hi >= from => Some(hi),
            _ => None,
        }
    }

    /// Smallest value (Quartz: `set.first()`), `None` when empty.
    #[inline]
    pub(crate) fn first(&self) -> Option<i32> {
        self.at_or_after(0)
    }

    /// Largest value (Quartz: `set.last()`), `None` when empty.
    pub(crate) fn last(&self) -> Option<i32> {
        if let Some((_, hi)) = self.beyond {
            return Some(hi);
        }
        (0..WORDS)
            .rev()
            .find(|&i| self.bits[i] != 0)
            .map(|i| i as i32 * 64 + 63 - self.bits[i].leading_zeros() as i32)
    }

    /// The values in `lo..=hi`, ascending.
    #[cfg(test)]
    pub(crate) fn values_in(&self, lo: i32, hi: i32) -> Vec<i32> {
        let mut out = Vec::new();
        let mut next = self.at_or_after(lo);
        while let Some(v) = next {
            if v > hi {
                break;
            }
            out.push(v);
            next = v.checked_add(1).and_then(|n| self.at_or_after(n));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_follow_a_sorted_set() {
        let mut s = SmallSet::default();
        for v in [5, 0, 59, 99, 127] {
            s.insert(v);
        }
        assert_eq!(s.first(), Some(0));
        assert_eq!(s.last(), Some(127));
        assert_eq!(s.at_or_after(1), Some(5));
        assert_eq!(s.at_or_after(60), Some(99));
        assert_eq!(s.at_or_after(100), Some(127));
        assert_eq!(s.at_or_after(128), None);
        assert!(s.contains(99) && !s.contains(98));
        assert_eq!(s.values_in(0, 59), vec![0, 5, 59]);
    }

    #[test]
    fn values_beyond_the_bitset_keep_their_extremes() {
        let mut s = SmallSet::default();
        s.insert_stepped(0, 1000, 300);
        assert_eq!(s.values_in(0, 127), vec![0]);
        assert_eq!(s.at_or_after(1), Some(300));
        assert_eq!(s.last(), Some(900));
        let mut y = YearSet::default();
        y.insert_stepped(2000, i32::MAX, 1);
        assert_eq!(y.at_or_after(2999), Some(2999));
        assert_eq!(y.at_or_after(3072), Some(3072));
        assert!(y.at_or_after(3100).is_some_and(|v| v >= 3100));
        assert_eq!(y.last(), Some(i32::MAX));
    }

    #[test]
    fn empty_set_has_no_first() {
        let s = SmallSet::default();
        assert!(s.is_empty());
        assert_eq!(s.first(), None);
        assert_eq!(s.last(), None);
    }
}
