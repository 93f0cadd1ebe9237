//! What Pochta writes on an SMTP connection, as text: one command line, commands sent together
//! (PIPELINING), a letter's content. Never a secret in a log: lettre logs nothing unless its
//! `tracing` feature is on (it is not).

use std::fmt;

/// One command line as lettre sends it (`Display` with its line end).
pub(super) struct Line<'a>(pub(super) &'a str);

impl fmt::Display for Line<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}\r\n", self.0)
    }
}

/// Commands with their line ends, sent as they are.
pub(super) struct Ended<'a>(pub(super) &'a str);

impl fmt::Display for Ended<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// A letter's content and the line that ends it, dot-stuffed (RFC 5321 §4.5.2) as lettre's own
/// `message` does it, but written at once: lettre writes the end on its own, a second packet the
/// server wakes up for, with every letter.
pub(super) struct Content<'a>(pub(super) &'a str);

impl fmt::Display for Content<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for line in self.0.split_inclusive("\r\n") {
            if line.starts_with('.') {
                f.write_str(".")?;
            }
            f.write_str(line)?;
        }
        f.write_str("\r\n.\r\n")
    }
}

#[cfg(test)]
mod tests {
    use super::Content;

    #[test]
    fn content_lines_starting_with_a_dot_get_one_more_and_the_content_ends_with_a_lone_dot() {
        let written = Content(".hidden\r\nplain\r\n..two\r\nmiddle . dot\r\n.").to_string();
        assert_eq!(written, "..hidden\r\nplain\r\n...two\r\nmiddle . dot\r\n..\r\n.\r\n");
    }
}
