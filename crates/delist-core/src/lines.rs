//! Byte offsets in a file's text as 1-based lines and columns, for diagnostics and origins.
//!
//! Every entry of a catalog or policy file records its line, so the question is asked once per
//! entry; counting newlines from the start each time made it quadratic (a policy of 10,000
//! waivers took 4 s to load, a catalog of 100,000 identifiers 2.8 s). The newline offsets are
//! found once and each question is a binary search.

/// Where each line of a text starts.
pub(crate) struct Lines {
    /// Byte offset of every `\n`, in order.
    newlines: Vec<usize>,
}

impl Lines {
    pub(crate) fn new(text: &str) -> Self {
        Self { newlines: text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i).collect() }
    }

    /// The 1-based line of `offset` (past the end: the last line).
    pub(crate) fn line(&self, offset: usize) -> usize {
        // Newlines strictly before `offset`: a newline at `offset` ends this line.
        self.newlines.partition_point(|&n| n < offset) + 1
    }

    /// The 1-based line and column (in characters) of `offset` in `text`, the text `self` was
    /// made from. An offset past the end, or inside a character, counts to the end of the text or
    /// to the character's start.
    pub(crate) fn position(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(text.len());
        let line = self.line(offset);
        let start = if line == 1 { 0 } else { self.newlines[line - 2] + 1 };
        let mut end = offset;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let column = text.get(start..end).map_or(0, |l| l.chars().count()) + 1;
        (line, column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The slow, obvious answer the index must give.
    fn scan(text: &str, offset: usize) -> (usize, usize) {
        let before = text.get(..offset.min(text.len())).unwrap_or(text);
        (before.matches('\n').count() + 1, before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1)
    }

    #[test]
    fn agrees_with_counting_from_the_start() {
        for text in ["", "a", "\n", "ab\ncd\n", "\n\nx", "é\nçà\n\u{1F600}z\n"] {
            let lines = Lines::new(text);
            for offset in 0..=text.len() + 2 {
                if !text.is_char_boundary(offset.min(text.len())) {
                    continue;
                }
                assert_eq!(lines.position(text, offset), scan(text, offset), "{text:?} at {offset}");
                assert_eq!(lines.line(offset.min(text.len())), scan(text, offset).0, "{text:?} at {offset}");
            }
        }
    }

    #[test]
    fn an_offset_inside_a_character_counts_to_its_start() {
        let text = "a\n\u{e9}b";
        assert_eq!(Lines::new(text).position(text, 3), (2, 1));
    }
}
