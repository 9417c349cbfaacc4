//! The streaming deframer: bytes from a socket in, whole frames out.
//!
//! A frame is `##`, a 4-digit length, the data segment, a 4-hex CRC and CR LF.
//! [`Deframer::push`] appends bytes as they arrive; [`Deframer::next_event`]
//! yields [`FrameEvent`]s until it needs more bytes. It copes with frames
//! split across reads, several frames in one read, and garbage between frames.
//!
//! # How a frame ends
//!
//! A frame starts at `##` followed by a digit. It ends at the first line
//! terminator after the length field: CR LF, or a lone CR or LF (a deviation
//! the decoder records). CR and LF never occur inside a data segment, so the
//! first terminator is the frame's end even when the length field is wrong
//! (a real-device deviation, fact sheet §13): the decoder then reports the
//! mismatch instead of the frame being lost.
//!
//! Without any terminator, a frame also ends where the next `##`+digit starts,
//! or at the end of the stream ([`Deframer::finish`]), if what precedes it is
//! a plausible unterminated frame (4 hex digits at the declared length, or a
//! CRC that matches); otherwise those bytes are dropped as truncated.
//!
//! # Bounds
//!
//! Memory is bounded: a frame whose terminator is not found within
//! [`DeframerConfig::max_segment_bytes`] (plus the CRC) is dropped with
//! [`FrameEvent::Dropped`], and the deframer resynchronises on the next `##`.
//! Garbage is counted, not kept, and reported as [`FrameEvent::Skipped`] when
//! the next frame starts or the stream finishes.
//!
//! The events depend only on the byte stream, never on how it was split into
//! reads (a property test checks every split point).

use crate::crc;

/// Deframer settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeframerConfig {
    /// Longest data segment accepted, in bytes. The standard says 1024; real
    /// devices send more (1623 bytes seen), hence the default 4096.
    pub max_segment_bytes: usize,
}

impl Default for DeframerConfig {
    fn default() -> DeframerConfig {
        DeframerConfig { max_segment_bytes: 4096 }
    }
}

/// Why bytes that started like a frame were dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DropReason {
    /// No terminator within the configured maximum segment length.
    TooLong,
    /// The next frame (or the end of the stream) came before this one ended,
    /// and what was there is not a plausible frame.
    Truncated,
}

impl DropReason {
    /// A fixed snake_case label for metrics and JSON.
    pub fn label(self) -> &'static str {
        match self {
            DropReason::TooLong => "frame_too_long",
            DropReason::Truncated => "frame_truncated",
        }
    }
}

/// What the deframer found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameEvent {
    /// A whole frame, `##` to the terminator inclusive, exactly as received
    /// (for archiving), ready for [`crate::decode_frame`].
    Frame(Vec<u8>),
    /// Bytes outside any frame were skipped before resynchronising on `##`.
    Skipped {
        /// How many bytes.
        n_bytes: usize,
    },
    /// Bytes that started like a frame were dropped.
    Dropped {
        /// How many bytes.
        n_bytes: usize,
        /// Why.
        reason: DropReason,
    },
}

/// The streaming deframer. See the module documentation.
#[derive(Debug, Clone, Default)]
pub struct Deframer {
    config: DeframerConfig,
    buf: Vec<u8>,
    /// Start of the unconsumed bytes in `buf`.
    pos: usize,
    /// Where the terminator scan of the current frame resumes (absolute in `buf`).
    scan: usize,
    /// Garbage bytes counted but not yet reported.
    pending_skipped: usize,
    /// The stream has ended: decide without waiting for more bytes.
    finished: bool,
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Whether any byte of `word` is zero (exact, the classic SWAR test).
fn has_zero_byte(word: u64) -> bool {
    word.wrapping_sub(ONES) & !word & HIGHS != 0
}

/// Whether any byte of `word` is CR, LF or `#`: the bytes the terminator scan stops at.
fn has_special_byte(word: u64) -> bool {
    has_zero_byte(word ^ (ONES * u64::from(b'\r')))
        || has_zero_byte(word ^ (ONES * u64::from(b'\n')))
        || has_zero_byte(word ^ (ONES * u64::from(b'#')))
}

/// Whether `bytes` (at least 3 long) start a frame: `##` and a digit.
fn is_start(bytes: &[u8]) -> bool {
    matches!(bytes, [b'#', b'#', digit, ..] if digit.is_ascii_digit())
}

impl Deframer {
    /// A deframer with the given settings.
    pub fn new(config: DeframerConfig) -> Deframer {
        Deframer { config, ..Deframer::default() }
    }

    /// Appends bytes received from the device.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.scan = self.scan.saturating_sub(self.pos);
            self.pos = 0;
        }
        self.buf.extend_from_slice(bytes);
        self.finished = false;
    }

    /// Marks the end of the stream (connection closed): the remaining bytes
    /// are decided without waiting. Call [`Deframer::next_event`] until `None`.
    pub fn finish(&mut self) {
        self.finished = true;
    }

    /// Bytes held, waiting for the rest of a frame. Bounded by the maximum
    /// frame length plus whatever was pushed and not yet pulled.
    pub fn buffered_bytes(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Garbage bytes skipped and not yet reported (they are reported when the
    /// next frame starts or the stream finishes). A gateway can use this to
    /// give up on a connection that sends nothing but garbage.
    pub fn pending_skipped_bytes(&self) -> usize {
        self.pending_skipped
    }

    /// The next event, or `None` when more bytes are needed (or, after
    /// [`Deframer::finish`], when everything has been reported).
    pub fn next_event(&mut self) -> Option<FrameEvent> {
        let data = self.buf.get(self.pos..).unwrap_or(&[]);
        if !is_start(data) {
            if let Some(event) = self.skip_garbage() {
                return Some(event);
            }
            let data = self.buf.get(self.pos..).unwrap_or(&[]);
            if !is_start(data) {
                return None;
            }
        }
        if self.pending_skipped > 0 {
            let n_bytes = std::mem::take(&mut self.pending_skipped);
            return Some(FrameEvent::Skipped { n_bytes });
        }
        self.frame_at_start()
    }

    /// Skips bytes up to the next frame start. Returns an event only at the
    /// end of the stream (the final garbage count).
    fn skip_garbage(&mut self) -> Option<FrameEvent> {
        let data = self.buf.get(self.pos..).unwrap_or(&[]);
        let found = (0..data.len()).find(|&i| {
            data.get(i..).is_some_and(|rest| {
                is_start(rest)
                    || (!self.finished && rest.len() < 3 && rest.iter().all(|&b| b == b'#'))
            })
        });
        let n_skip = found.unwrap_or(data.len());
        self.pending_skipped += n_skip;
        self.pos += n_skip;
        self.scan = self.pos;
        let at_end = self.pos >= self.buf.len();
        if self.finished && at_end && self.pending_skipped > 0 {
            let n_bytes = std::mem::take(&mut self.pending_skipped);
            return Some(FrameEvent::Skipped { n_bytes });
        }
        None
    }

    /// At a frame start: find the end, or wait.
    fn frame_at_start(&mut self) -> Option<FrameEvent> {
        let start = self.pos;
        let data = self.buf.get(start..).unwrap_or(&[]);
        let after_hashes = data.get(2..).unwrap_or(&[]);
        let n_digits = after_hashes.iter().take(4).take_while(|b| b.is_ascii_digit()).count();
        if n_digits == after_hashes.len() && n_digits < 4 && !self.finished {
            return None; // the length field may continue
        }
        let declared = after_hashes
            .iter()
            .take(n_digits)
            .fold(0usize, |acc, byte| acc * 10 + usize::from(byte - b'0'));
        let seg_start = start + 2 + n_digits;
        // The terminator (CR of CR LF) may sit at most here: segment + 4 CRC digits.
        let limit = seg_start + self.config.max_segment_bytes + 4;
        let mut i = self.scan.max(seg_start);
        while let Some(&byte) = self.buf.get(i) {
            // Skip 8 ordinary bytes at a time while they all stay within the bound.
            if i + 8 <= limit + 1
                && let Some(word) = self.buf.get(i..i + 8)
                && let Ok(word) = <[u8; 8]>::try_from(word)
                && !has_special_byte(u64::from_le_bytes(word))
            {
                i += 8;
                continue;
            }
            if i > limit {
                return Some(self.drop_until(i, DropReason::TooLong));
            }
            match byte {
                b'\r' => match self.buf.get(i + 1) {
                    Some(b'\n') => return Some(self.emit_frame(i + 2)),
                    Some(_) => return Some(self.emit_frame(i + 1)),
                    None if self.finished => return Some(self.emit_frame(i + 1)),
                    None => {
                        self.scan = i;
                        return None;
                    }
                },
                b'\n' => return Some(self.emit_frame(i + 1)),
                b'#' => {
                    let rest = self.buf.get(i..).unwrap_or(&[]);
                    if is_start(rest) {
                        return Some(self.unterminated(i, seg_start, declared));
                    }
                    if rest.len() < 3 && !self.finished && rest.iter().all(|&b| b == b'#') {
                        self.scan = i;
                        return None;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        if self.finished {
            let end = self.buf.len();
            return Some(self.unterminated(end, seg_start, declared));
        }
        self.scan = i;
        None
    }

    fn emit_frame(&mut self, end: usize) -> FrameEvent {
        let frame = self.buf.get(self.pos..end).unwrap_or(&[]).to_vec();
        self.pos = end;
        self.scan = end;
        FrameEvent::Frame(frame)
    }

    fn drop_until(&mut self, end: usize, reason: DropReason) -> FrameEvent {
        let n_bytes = end - self.pos;
        self.pos = end;
        self.scan = end;
        FrameEvent::Dropped { n_bytes, reason }
    }

    /// A frame without terminator ending at `end`: keep it if plausible.
    fn unterminated(&mut self, end: usize, seg_start: usize, declared: usize) -> FrameEvent {
        let plausible = end >= seg_start + 4 && {
            let crc_at = end - 4;
            let crc_text = self.buf.get(crc_at..end).unwrap_or(&[]);
            let segment = self.buf.get(seg_start..crc_at).unwrap_or(&[]);
            crc::parse_crc_text(crc_text).is_some_and(|found| {
                crc_at - seg_start == declared || found.value == crc::crc16(segment)
            })
        };
        if plausible { self.emit_frame(end) } else { self.drop_until(end, DropReason::Truncated) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FRAME: &[u8] = b"##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&1C80\r\n";

    fn events(chunks: &[&[u8]]) -> Vec<FrameEvent> {
        let mut deframer = Deframer::new(DeframerConfig::default());
        let mut out = Vec::new();
        for chunk in chunks {
            deframer.push(chunk);
            while let Some(event) = deframer.next_event() {
                out.push(event);
            }
        }
        deframer.finish();
        while let Some(event) = deframer.next_event() {
            out.push(event);
        }
        out
    }

    #[test]
    fn garbage_split_and_glued() {
        let mut stream = b"xx#".to_vec();
        stream.extend_from_slice(FRAME);
        stream.extend_from_slice(FRAME);
        stream.extend_from_slice(b"\0\0\0");
        let whole = events(&[&stream]);
        assert_eq!(
            whole,
            vec![
                FrameEvent::Skipped { n_bytes: 3 },
                FrameEvent::Frame(FRAME.to_vec()),
                FrameEvent::Frame(FRAME.to_vec()),
                FrameEvent::Skipped { n_bytes: 3 },
            ]
        );
        for split in 0..stream.len() {
            let (a, b) = stream.split_at(split);
            assert_eq!(events(&[a, b]), whole, "split at {split}");
        }
    }

    #[test]
    fn missing_crlf_and_truncation() {
        let bare = &FRAME[..FRAME.len() - 2];
        let mut stream = bare.to_vec();
        stream.extend_from_slice(&FRAME[..40]);
        stream.extend_from_slice(FRAME);
        stream.extend_from_slice(bare);
        assert_eq!(
            events(&[&stream]),
            vec![
                FrameEvent::Frame(bare.to_vec()),
                FrameEvent::Dropped { n_bytes: 40, reason: DropReason::Truncated },
                FrameEvent::Frame(FRAME.to_vec()),
                FrameEvent::Frame(bare.to_vec()),
            ]
        );
    }

    #[test]
    fn special_byte_test_is_exact() {
        for byte in 0..=255u8 {
            for position in 0..8 {
                let mut word = [b'a'; 8];
                word[position] = byte;
                let expected = matches!(byte, b'\r' | b'\n' | b'#');
                assert_eq!(
                    has_special_byte(u64::from_le_bytes(word)),
                    expected,
                    "{byte} at {position}"
                );
            }
        }
        assert!(!has_special_byte(u64::from_le_bytes(*b"QN=20160")));
    }

    #[test]
    fn too_long_is_dropped() {
        let mut deframer = Deframer::new(DeframerConfig { max_segment_bytes: 50 });
        deframer.push(FRAME);
        assert_eq!(
            deframer.next_event(),
            Some(FrameEvent::Dropped { n_bytes: 61, reason: DropReason::TooLong })
        );
    }
}
