//! Google Merchant Center XML feeds: RSS 2.0 (`<rss><channel><item>`) or Atom (`<feed><entry>`),
//! product attributes as children of each item, in the `g:` namespace
//! (`http://base.google.com/ns/1.0`) or plain (`<title>`, `<link>`).
//!
//! Owns the item loop. Items stream through `quick-xml` one at a time; only direct children of
//! an item are fields (nested ones such as `<g:shipping><g:country>` are not product fields).
//! The bytes read for one item are capped at [`MAX_ROW`], so an endless text node stops the feed
//! instead of filling memory. It must never load the whole document.

use super::fields::{self, Field};
use super::{FeedFormat, Header, MAX_ROW, Progress, Row};
use quick_xml::events::Event;
use std::cell::Cell;
use std::io::{self, BufReader, Read};
use std::rc::Rc;

/// Fails a read once more than `cap` bytes were read since the last reset.
struct Capped<R> {
    inner: R,
    used: Rc<Cell<usize>>,
    cap: usize,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.used.get() > self.cap {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("an item longer than {} MiB; the rest of the feed is not read", self.cap >> 20),
            ));
        }
        let n = self.inner.read(buf)?;
        self.used.set(self.used.get() + n);
        Ok(n)
    }
}

pub(crate) fn read(r: impl Read, map: &[(String, Field)], progress: &mut Progress<'_>) -> Result<u64, String> {
    let used = Rc::new(Cell::new(0));
    let capped = Capped { inner: r, used: used.clone(), cap: MAX_ROW };
    let mut x = quick_xml::Reader::from_reader(BufReader::with_capacity(64 * 1024, capped));
    x.config_mut().trim_text(true);
    let mut buf = Vec::new();
    let mut number = 0u64;
    let mut depth = 0usize;
    // Depth of the open item, the field of the open direct child, and the item's values.
    let mut item: Option<usize> = None;
    let mut field: Option<(Field, usize)> = None;
    let mut values: [(usize, String); Field::COUNT] = Default::default();
    let mut started = false;
    loop {
        let ev = match x.read_event_into(&mut buf) {
            Ok(ev) => ev,
            Err(e) => {
                if number == 0 && !started {
                    return Err(format!("not a Merchant Center XML feed: {e}"));
                }
                progress.visitor.error(format!("item {}: {e}", number + 1));
                break;
            }
        };
        match ev {
            Event::Start(s) => {
                depth += 1;
                let qname = s.name();
                let local = String::from_utf8_lossy(qname.local_name().as_ref()).into_owned();
                if !started {
                    if !matches!(local.as_str(), "rss" | "feed") {
                        return Err(format!(
                            "not a Merchant Center XML feed: the root is <{local}>, not <rss> or <feed>"
                        ));
                    }
                    started = true;
                    progress.visitor.header(&Header {
                        format: FeedFormat::MerchantXml,
                        columns: Field::ALL.iter().map(|f| f.as_str().to_string()).collect(),
                        delimiter: None,
                        raw: None,
                    });
                }
                match item {
                    None if matches!(local.as_str(), "item" | "entry") => {
                        item = Some(depth);
                        used.set(0);
                        values = Default::default();
                    }
                    Some(d) if depth == d + 1 => {
                        let full = String::from_utf8_lossy(qname.as_ref()).into_owned();
                        field = match map
                            .iter()
                            .find(|(c, _)| c.eq_ignore_ascii_case(&full) || c.eq_ignore_ascii_case(&local))
                        {
                            Some((_, f)) => Some((*f, 0)),
                            None => fields::alias(&local).map(|(f, r)| (f, r + 1)),
                        };
                        if let Some((f, rank)) = field
                            && !values[f as usize].1.is_empty()
                            && values[f as usize].0 <= rank
                        {
                            // A better spelling of this field was already read.
                            field = None;
                        } else if let Some((f, rank)) = field {
                            values[f as usize] = (rank, String::new());
                        }
                    }
                    _ => {}
                }
            }
            Event::Empty(_) => {}
            Event::Text(t) => {
                if let (Some(d), Some((f, _))) = (item, field)
                    && depth == d + 1
                {
                    let text = t
                        .unescape()
                        .map(|c| c.into_owned())
                        .unwrap_or_else(|_| String::from_utf8_lossy(&t).into_owned());
                    values[f as usize].1.push_str(&text);
                }
            }
            Event::CData(t) => {
                if let (Some(d), Some((f, _))) = (item, field)
                    && depth == d + 1
                {
                    values[f as usize].1.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Event::End(_) => {
                if item == Some(depth) {
                    number += 1;
                    let mut vals = [""; Field::COUNT];
                    for (i, (_, v)) in values.iter().enumerate() {
                        vals[i] = v.as_str();
                    }
                    progress.visitor.row(&Row { number, values: vals, raw: None });
                    if number.is_multiple_of(1024) {
                        progress.tick();
                    }
                    item = None;
                }
                if item.is_some_and(|d| depth == d + 1) {
                    field = None;
                }
                depth = depth.saturating_sub(1);
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !started {
        return Err("not a Merchant Center XML feed: no <rss> or <feed> element".into());
    }
    Ok(number)
}
