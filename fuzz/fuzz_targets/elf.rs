#![no_main]
//! ELF package notes: the header, section and program header walk and the note reader never
//! panic, never hang and never allocate from an unchecked size, whatever the bytes.
use delist_collect::files::elf::Elf;
use delist_collect::files::{Bytes, FileFormat, Place};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let place = Place { path: "/fuzz", target: "fuzz", depth: 0 };
    if let Ok(artifacts) = Elf.inspect(&Bytes(data), place) {
        for a in artifacts {
            let _ = (a.name.len(), a.fields.len());
        }
    }
});
