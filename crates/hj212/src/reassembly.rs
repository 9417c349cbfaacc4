//! Sub-packet reassembly (Flag bit D, `PNUM`/`PNO`, fact sheet §4).
//!
//! Each sub-packet is a whole framed packet with its own `QN` and CRC, and its
//! CP is a syntactically complete data area (split between groups). The
//! [`Reassembler`] collects the parts of a set and, once all have arrived,
//! returns the combined CP (the parts' data areas joined by `;`).
//!
//! A set is keyed by `(MN, CN, PNUM)`: the parts' QNs differ (STD C.49 uses
//! …534 and …535), so the first part's QN cannot key the later ones. Part 1
//! arriving with a new QN while a set with the same key is open starts a new
//! set and evicts the old one ([`EvictReason::Superseded`]); a part already
//! received is a retransmission and is ignored.
//!
//! Memory is bounded by [`ReassemblyConfig`] (open sets, bytes held, parts per
//! set) and time by a timeout; the caller passes `now_ms` (any monotonic
//! millisecond clock): this crate reads no clock. Evicted incomplete sets are
//! reported, never silently lost.

use crate::cp::Cp;
use crate::deviation::Deviations;
use crate::packet::Packet;
use crate::version::{Flag, Version};

/// Reassembly bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReassemblyConfig {
    /// Most sets open at once; opening one more evicts the oldest.
    pub max_open_sets: usize,
    /// Most CP bytes held over all open sets; beyond it the oldest sets are evicted.
    pub max_bytes: usize,
    /// Largest `PNUM` accepted.
    pub max_parts: u16,
    /// A set not complete this long after its first part arrived is evicted.
    pub timeout_ms: u64,
}

impl Default for ReassemblyConfig {
    fn default() -> ReassemblyConfig {
        ReassemblyConfig {
            max_open_sets: 64,
            max_bytes: 1 << 20,
            max_parts: 256,
            timeout_ms: 600_000,
        }
    }
}

/// Why an incomplete set was given up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EvictReason {
    /// Not complete within [`ReassemblyConfig::timeout_ms`].
    TimedOut,
    /// Too many open sets.
    TooManySets,
    /// Too many bytes held.
    TooManyBytes,
    /// `PNUM` above [`ReassemblyConfig::max_parts`]; the part was refused.
    TooManyParts,
    /// A new part 1 (another QN) started a new set with the same key.
    Superseded,
}

impl EvictReason {
    /// A fixed snake_case label.
    pub fn label(self) -> &'static str {
        match self {
            EvictReason::TimedOut => "timed_out",
            EvictReason::TooManySets => "too_many_sets",
            EvictReason::TooManyBytes => "too_many_bytes",
            EvictReason::TooManyParts => "too_many_parts",
            EvictReason::Superseded => "superseded",
        }
    }
}

/// A complete set, or a single packet passed through.
#[derive(Debug, Clone, PartialEq)]
pub struct Reassembled {
    /// `MN`.
    pub mn: String,
    /// `ST`.
    pub st: String,
    /// `CN`.
    pub cn: String,
    /// `PW`.
    pub pw: Option<String>,
    /// `Flag` of the first part.
    pub flag: Option<Flag>,
    /// Version of the first part.
    pub version: Version,
    /// `QN` of part 1.
    pub first_qn: Option<String>,
    /// `QN` of every part, in part order (each part is answered with its own QN).
    pub qns: Vec<Option<String>>,
    /// Union of the parts' deviations.
    pub deviations: Deviations,
    /// The combined data area.
    pub cp_text: String,
}

impl Reassembled {
    /// The combined CP.
    pub fn cp(&self) -> Cp<'_> {
        Cp::new(&self.cp_text)
    }
}

/// What the reassembler reports.
#[derive(Debug, Clone, PartialEq)]
pub enum ReassemblyEvent {
    /// All parts of a set arrived.
    Complete(Reassembled),
    /// An incomplete set was given up.
    Evicted {
        /// `MN` of the set.
        mn: String,
        /// `CN` of the set.
        cn: String,
        /// `QN` of part 1, if it arrived.
        first_qn: Option<String>,
        /// Parts received.
        n_received: u16,
        /// Parts expected.
        pnum: u16,
        /// Why.
        reason: EvictReason,
    },
}

#[derive(Debug, Clone)]
struct Part {
    qn: Option<String>,
    cp_text: String,
}

#[derive(Debug, Clone)]
struct OpenSet {
    mn: String,
    st: String,
    cn: String,
    pw: Option<String>,
    flag: Option<Flag>,
    version: Version,
    pnum: u16,
    started_ms: u64,
    parts: Vec<Option<Part>>,
    n_received: u16,
    n_bytes: usize,
    deviations: Deviations,
}

impl OpenSet {
    fn evicted(self, reason: EvictReason) -> ReassemblyEvent {
        let first_qn = self.parts.into_iter().next().flatten().and_then(|part| part.qn);
        ReassemblyEvent::Evicted {
            mn: self.mn,
            cn: self.cn,
            first_qn,
            n_received: self.n_received,
            pnum: self.pnum,
            reason,
        }
    }

    fn complete(self) -> Reassembled {
        let mut cp_text = String::with_capacity(self.n_bytes + usize::from(self.pnum));
        let mut qns = Vec::with_capacity(self.parts.len());
        // Each part repeats the `DataTime` group; keep the first one only.
        let mut first_data_time: Option<String> = None;
        for part in self.parts.into_iter().flatten() {
            let mut text = part.cp_text.trim_end_matches(';');
            let leading = text.split(';').next().unwrap_or("");
            if leading.trim_start().starts_with("DataTime=") {
                match &first_data_time {
                    None => first_data_time = Some(leading.to_owned()),
                    Some(first) if first == leading => {
                        text = text.get(leading.len()..).unwrap_or("").trim_start_matches(';');
                    }
                    Some(_) => {}
                }
            }
            if !text.trim().is_empty() {
                if !cp_text.is_empty() {
                    cp_text.push(';');
                }
                cp_text.push_str(text);
            }
            qns.push(part.qn);
        }
        Reassembled {
            mn: self.mn,
            st: self.st,
            cn: self.cn,
            pw: self.pw,
            flag: self.flag,
            version: self.version,
            first_qn: qns.first().cloned().flatten(),
            qns,
            deviations: self.deviations,
            cp_text,
        }
    }
}

/// Collects sub-packet sets. See the module documentation.
#[derive(Debug, Clone, Default)]
pub struct Reassembler {
    config: ReassemblyConfig,
    /// Open sets, oldest first.
    sets: Vec<OpenSet>,
    n_bytes: usize,
}

impl Reassembler {
    /// A reassembler with the given bounds.
    pub fn new(config: ReassemblyConfig) -> Reassembler {
        Reassembler { config, sets: Vec::new(), n_bytes: 0 }
    }

    /// Open sets.
    pub fn open_sets(&self) -> usize {
        self.sets.len()
    }

    /// CP bytes held.
    pub fn held_bytes(&self) -> usize {
        self.n_bytes
    }

    fn remove(&mut self, index: usize) -> Option<OpenSet> {
        if index >= self.sets.len() {
            return None;
        }
        let set = self.sets.remove(index);
        self.n_bytes -= set.n_bytes;
        Some(set)
    }

    /// Evicts sets older than the timeout.
    pub fn expire(&mut self, now_ms: u64) -> Vec<ReassemblyEvent> {
        let mut events = Vec::new();
        let timeout_ms = self.config.timeout_ms;
        while let Some(index) =
            self.sets.iter().position(|set| now_ms.saturating_sub(set.started_ms) > timeout_ms)
        {
            if let Some(set) = self.remove(index) {
                events.push(set.evicted(EvictReason::TimedOut));
            }
        }
        events
    }

    /// Adds a packet at time `now_ms`. A packet without `PNUM`/`PNO` is passed
    /// straight through as [`ReassemblyEvent::Complete`]. Returns what
    /// happened: evictions (timeouts first) and at most one completed set.
    pub fn push(&mut self, packet: &Packet<'_>, now_ms: u64) -> Vec<ReassemblyEvent> {
        let mut events = self.expire(now_ms);
        let part =
            Part { qn: packet.qn.map(str::to_owned), cp_text: packet.cp.as_str().to_owned() };
        let Some((pnum, pno)) = packet.subpacket() else {
            let mut set = self.new_set(packet, 1, now_ms);
            set.parts = vec![Some(part)];
            events.push(ReassemblyEvent::Complete(set.complete()));
            return events;
        };
        if pnum > self.config.max_parts {
            let set = self.new_set(packet, pnum, now_ms);
            events.push(set.evicted(EvictReason::TooManyParts));
            return events;
        }
        let slot_index = usize::from(pno.saturating_sub(1));
        let existing = self
            .sets
            .iter()
            .position(|set| set.mn == packet.mn && set.cn == packet.cn && set.pnum == pnum);
        let index = match existing {
            Some(index) => {
                let held = self.sets.get(index).and_then(|set| set.parts.get(slot_index));
                match held {
                    Some(Some(held)) if pno == 1 && held.qn != part.qn => {
                        if let Some(old) = self.remove(index) {
                            events.push(old.evicted(EvictReason::Superseded));
                        }
                        self.open(packet, pnum, now_ms, &mut events)
                    }
                    Some(Some(_)) => return events, // retransmission
                    _ => index,
                }
            }
            None => self.open(packet, pnum, now_ms, &mut events),
        };
        let n_part_bytes = part.cp_text.len();
        if let Some(set) = self.sets.get_mut(index)
            && let Some(slot) = set.parts.get_mut(slot_index)
        {
            *slot = Some(part);
            set.n_received += 1;
            set.n_bytes += n_part_bytes;
            set.deviations.extend(packet.deviations);
            self.n_bytes += n_part_bytes;
        }
        let mut index = index;
        while self.n_bytes > self.config.max_bytes {
            // Evict the oldest set; the current one last.
            let victim = if index == 0 && self.sets.len() > 1 { 1 } else { 0 };
            let Some(set) = self.remove(victim) else { break };
            events.push(set.evicted(EvictReason::TooManyBytes));
            if victim == index {
                return events;
            }
            if victim < index {
                index -= 1;
            }
        }
        let complete = self.sets.get(index).is_some_and(|set| set.n_received == set.pnum);
        if complete && let Some(set) = self.remove(index) {
            events.push(ReassemblyEvent::Complete(set.complete()));
        }
        events
    }

    fn new_set(&self, packet: &Packet<'_>, pnum: u16, now_ms: u64) -> OpenSet {
        OpenSet {
            mn: packet.mn.to_owned(),
            st: packet.st.to_owned(),
            cn: packet.cn.to_owned(),
            pw: packet.pw.map(str::to_owned),
            flag: packet.flag,
            version: packet.version,
            pnum,
            started_ms: now_ms,
            parts: Vec::new(),
            n_received: 0,
            n_bytes: 0,
            deviations: Deviations::new(),
        }
    }

    /// Opens a set (evicting the oldest if too many) and returns its index.
    fn open(
        &mut self,
        packet: &Packet<'_>,
        pnum: u16,
        now_ms: u64,
        events: &mut Vec<ReassemblyEvent>,
    ) -> usize {
        while self.sets.len() >= self.config.max_open_sets.max(1) {
            match self.remove(0) {
                Some(set) => events.push(set.evicted(EvictReason::TooManySets)),
                None => break,
            }
        }
        let mut set = self.new_set(packet, pnum, now_ms);
        set.parts = vec![None; usize::from(pnum)];
        self.sets.push(set);
        self.sets.len() - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::decode_segment;

    fn part(qn: &str, pnum: u16, pno: u16, cp: &str) -> String {
        format!("QN={qn};ST=32;CN=2051;PW=123456;MN=M1;Flag=7;PNUM={pnum};PNO={pno};CP=&&{cp}&&")
    }

    fn complete(events: &[ReassemblyEvent]) -> Option<&Reassembled> {
        events.iter().find_map(|event| match event {
            ReassemblyEvent::Complete(set) => Some(set),
            ReassemblyEvent::Evicted { .. } => None,
        })
    }

    #[test]
    fn two_parts_in_any_order() {
        let one = part("20160801085857534", 2, 1, "DataTime=20160801084000;w01018-Avg=1");
        let two = part("20160801085857535", 2, 2, "DataTime=20160801084000;w00000-Avg=2");
        let mut reassembler = Reassembler::new(ReassemblyConfig::default());
        assert!(reassembler.push(&decode_segment(&two).unwrap(), 0).is_empty());
        assert!(reassembler.push(&decode_segment(&two).unwrap(), 1).is_empty());
        let events = reassembler.push(&decode_segment(&one).unwrap(), 2);
        let set = complete(&events).unwrap();
        assert_eq!(set.cp_text, "DataTime=20160801084000;w01018-Avg=1;w00000-Avg=2");
        assert_eq!(set.first_qn.as_deref(), Some("20160801085857534"));
        assert_eq!(reassembler.open_sets(), 0);
        assert_eq!(reassembler.held_bytes(), 0);
    }

    #[test]
    fn bounds_and_timeouts() {
        let config =
            ReassemblyConfig { max_open_sets: 1, timeout_ms: 10, ..ReassemblyConfig::default() };
        let mut reassembler = Reassembler::new(config);
        let a = part("20160801085857534", 3, 1, "a=1");
        assert!(reassembler.push(&decode_segment(&a).unwrap(), 0).is_empty());
        let b = part("20160801085857534", 2, 1, "b=1");
        let events = reassembler.push(&decode_segment(&b).unwrap(), 5);
        assert!(matches!(
            events[0],
            ReassemblyEvent::Evicted { reason: EvictReason::TooManySets, .. }
        ));
        assert_eq!(reassembler.expire(100).len(), 1);
        let big = part("20160801085857534", 999, 1, "a=1");
        let events = reassembler.push(&decode_segment(&big).unwrap(), 200);
        assert!(matches!(
            events[0],
            ReassemblyEvent::Evicted { reason: EvictReason::TooManyParts, .. }
        ));
        assert_eq!(reassembler.open_sets(), 0);
    }
}
