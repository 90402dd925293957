//! Prebuilt `csv-core` readers for the delimiters header sniffing tries.
//!
//! Telling an inventory or a feed from other text tries each of four delimiters on the file's
//! first line, and building a `csv-core` reader builds its transition table (a loop over every
//! byte class for every state). That cost came once per delimiter per file, several times for
//! each file a walk sniffs; the table depends only on the delimiter, so each thread builds its
//! four once here and resets them between uses. They are never cloned: `csv-core` 0.1.13's
//! `Reader::clone` copies the DFA's transitions but not its other tables, and a clone splits
//! `x,y` after its first byte. Owns nothing else; no I/O.

use std::cell::RefCell;

/// The delimiters with a prebuilt reader.
const PREBUILT: [u8; 4] = [b',', b';', b'\t', b'|'];

fn build(delimiter: u8) -> csv_core::Reader {
    csv_core::ReaderBuilder::new().delimiter(delimiter).build()
}

thread_local! {
    static READERS: RefCell<[csv_core::Reader; 4]> = RefCell::new(PREBUILT.map(build));
}

/// The first record of `input` split on `delimiter` (`csv-core`'s defaults otherwise, which are
/// the `csv` crate's: RFC 4180 quoting; `\r`, `\n` and `\r\n` end a record), each field decoded
/// lossily, or `None` when it holds no record (only blank lines). The end of `input` ends a
/// record, as the end of a file does: the same first record that `csv::Reader` returns.
pub(crate) fn first_record(input: &[u8], delimiter: u8) -> Option<Vec<String>> {
    match PREBUILT.iter().position(|&d| d == delimiter) {
        // Nothing in `read_first` reaches this thread-local again, so the borrow cannot clash.
        Some(i) => READERS.with_borrow_mut(|readers| read_first(&mut readers[i], input)),
        None => read_first(&mut build(delimiter), input),
    }
}

fn read_first(r: &mut csv_core::Reader, input: &[u8]) -> Option<Vec<String>> {
    use csv_core::ReadRecordResult as R;
    // Whatever the last use left (a record cut short, a quote left open) is forgotten here.
    r.reset();
    // The buffers start small and double when the reader fills one, as the `csv` crate's do: the
    // input may be a whole 64 KiB head of which the header is the first hundred bytes. Unquoting
    // never lengthens a field and a record has at most one more field than bytes, so neither
    // grows past the input's size.
    let mut out = vec![0u8; input.len().min(1024) + 1];
    let mut ends = vec![0usize; 64];
    let (mut nin, mut nout, mut nend) = (0, 0, 0);
    loop {
        // Once the input is all read this passes an empty slice: the end of the file, which
        // closes a record the input left open.
        let (res, i, o, e) = r.read_record(input.get(nin..).unwrap_or(&[]), &mut out[nout..], &mut ends[nend..]);
        (nin, nout, nend) = (nin + i, nout + o, nend + e);
        match res {
            R::InputEmpty => {}
            R::OutputFull => out.resize(out.len() * 2, 0),
            R::OutputEndsFull => ends.resize(ends.len() * 2, 0),
            R::Record => break,
            R::End => return None,
        }
    }
    let out = out.get(..nout)?;
    let mut start = 0;
    let fields = ends.get(..nend)?.iter().map(|&end| {
        let f = String::from_utf8_lossy(out.get(start..end).unwrap_or(&[])).into_owned();
        start = end;
        f
    });
    Some(fields.collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the `csv` crate makes of the same first record.
    fn by_csv(input: &[u8], delimiter: u8) -> Option<Vec<String>> {
        let mut r = csv::ReaderBuilder::new().delimiter(delimiter).has_headers(false).flexible(true).from_reader(input);
        let mut rec = csv::ByteRecord::new();
        match r.read_byte_record(&mut rec) {
            Ok(true) => Some(rec.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect()),
            _ => None,
        }
    }

    #[test]
    fn same_first_record_as_the_csv_crate() {
        let cases: &[&[u8]] = &[
            b"",
            b"\n\r\n\r",
            b"a,b,c\n1,2,3\n",
            b"a,b",
            b"\r\n\r\nName;Publisher\r\nx;y",
            b"\"Name, full\",\"Pub\"\"lisher\"\nx",
            b"\"open quote,never closed",
            b"\xEF\xBB\xBFDevice\tApp\n",
            b"a|\"b|c\"|d\r",
            b"\"\"\"\",x\n",
            "Gerät,Hersteller\n".as_bytes(),
            b"a,\"b\"c,d\n",
            b",,,\n",
        ];
        for &input in cases {
            for d in PREBUILT.into_iter().chain([b':']) {
                assert_eq!(
                    first_record(input, d),
                    by_csv(input, d),
                    "{:?} on {:?}",
                    d as char,
                    String::from_utf8_lossy(input)
                );
            }
        }
        // And on noise over the bytes that steer a CSV parser.
        let alphabet = b"ab,;\t|\"\r\n \xC3\xA9\xEF\xBB\xBF";
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..3000 {
            let len = (seed % 24) as usize;
            let input: Vec<u8> = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    alphabet[(seed % alphabet.len() as u64) as usize]
                })
                .collect();
            for d in PREBUILT {
                assert_eq!(first_record(&input, d), by_csv(&input, d), "{:?} on {:?}", d as char, input);
            }
        }
    }

    #[test]
    fn buffers_grow_for_long_and_wide_headers() {
        // More than 1,024 bytes of header and more than 64 fields, quoted and not, then rows.
        let long = format!("\"{}\",b\n1,2\n", "x".repeat(5000));
        let wide = format!("{}\n1\n", (0..300).map(|i| format!("c{i}")).collect::<Vec<_>>().join(";"));
        for (input, d) in [(long.as_bytes(), b','), (wide.as_bytes(), b';')] {
            assert_eq!(first_record(input, d), by_csv(input, d));
        }
        assert_eq!(first_record(wide.as_bytes(), b';').map(|f| f.len()), Some(300));
    }

    #[test]
    fn a_reused_reader_starts_fresh() {
        // The first call leaves its reader inside an open quote; the next must not be read as
        // the rest of that field.
        assert_eq!(first_record(b"\"never closed", b','), Some(vec!["never closed".into()]));
        assert_eq!(first_record(b"x,y", b','), Some(vec!["x".into(), "y".into()]));
        assert_eq!(first_record(b"\"a\nb\",c", b','), Some(vec!["a\nb".into(), "c".into()]));
    }
}
