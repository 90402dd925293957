//! Hardware inventory from fixtures: SMBIOS dumps built to the DMTF layout (and read back by the
//! real dmidecode), a sysfs tree, and real `lshw -json` / `lspci -vmm` outputs (see
//! `fixtures/hardware/make.sh`). The vendors each artifact is attributed to, and malformed
//! inputs giving errors rather than panics.

use delist_collect::Output;
use delist_collect::hardware::{self, Format};
use delist_collect::live::Roots;
use delist_core::catalog::{builtin_files, load};
use delist_core::{Artifact, ArtifactKind, Matcher, Selection};
use jiff::civil::Date;
use std::path::{Path, PathBuf};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hardware")
}

fn read(name: &str, format: Format) -> Output {
    let bytes = std::fs::read(dir().join(name)).expect("fixture");
    let mut out = Output::default();
    hardware::read(&bytes, format, &format!("/{name}"), "t", &mut out);
    out
}

/// (kind, name, attributed vendors) of every artifact, under the catalog's known vendors.
fn attributed(out: &Output, lists: &[&str]) -> Vec<(ArtifactKind, String, Vec<String>)> {
    let catalog = load(&builtin_files()).expect("catalog");
    let m = Matcher::new(&catalog);
    let sel = Selection::of_ids(&catalog, &lists.iter().map(|s| s.to_string()).collect::<Vec<_>>()).expect("lists");
    out.artifacts
        .iter()
        .map(|a: &Artifact| {
            let mut v: Vec<String> = m
                .evaluate(a, &sel, Date::constant(2026, 11, 28))
                .into_iter()
                .map(|f| format!("{}:{}", f.vendor, f.confidence))
                .collect();
            v.sort();
            (a.kind, a.name.clone(), v)
        })
        .collect()
}

fn row(kind: ArtifactKind, name: &str, v: &[&str]) -> (ArtifactKind, String, Vec<String>) {
    (kind, name.to_string(), v.iter().map(|s| s.to_string()).collect())
}

#[test]
fn smbios_dumps_of_both_entry_points_yield_the_modules_and_their_makers() {
    for name in ["dmi-smbios3.bin", "dmi-smbios2.bin"] {
        let out = read(name, Format::DmiDump);
        assert!(out.errors.is_empty(), "{name}: {:?}", out.errors);
        assert_eq!(
            attributed(&out, &["cn-cac-micron-2023"]),
            vec![
                row(ArtifactKind::Cpu, "AMD EPYC 7B13 64-Core Processor", &[]),
                row(ArtifactKind::MemoryModule, "MTA18ASF2G72PDZ-2G6E1", &["micron:likely"]),
                row(ArtifactKind::MemoryModule, "CT8G4DFS824A.C8FE", &["micron:likely"]),
                row(ArtifactKind::MemoryModule, "EX8G4D26", &[]),
            ],
            "{name}"
        );
        let cpu = &out.artifacts[0];
        assert_eq!(cpu.publisher.as_deref(), Some("Advanced Micro Devices, Inc."));
        let a = &out.artifacts[2];
        let f = |k: &str| a.fields.iter().find(|f| f.field == k).map(|f| f.value.as_str());
        assert_eq!(f("memory.manufacturer"), Some("Crucial Technology"));
        assert_eq!((f("memory.locator"), f("memory.size_mib")), (Some("DIMM_A2"), Some("8192")));
        assert_eq!(a.path, format!("/{name}"));
    }
    // Not on a default list: nothing to report for an ordinary user.
    let out = read("dmi-smbios3.bin", Format::DmiDump);
    assert!(attributed(&out, &[]).iter().all(|(_, _, v)| v.is_empty()));
}

#[test]
fn the_live_sources_read_cpu_memory_and_disks_from_injected_roots() {
    let roots = Roots { proc: dir().join("proc"), sys: dir().join("sys") };
    let mut out = Output::default();
    hardware::collect_live(&roots, "/", &mut out);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let got = attributed(&out, &["cn-cac-micron-2023"]);
    assert_eq!(
        got,
        vec![
            row(ArtifactKind::Cpu, "AMD EPYC", &[]),
            row(ArtifactKind::MemoryModule, "MTA18ASF2G72PDZ-2G6E1", &["micron:likely"]),
            row(ArtifactKind::MemoryModule, "CT8G4DFS824A.C8FE", &["micron:likely"]),
            row(ArtifactKind::MemoryModule, "EX8G4D26", &[]),
            // `ATA` is no maker: the model's Crucial prefix alone is only possible.
            row(ArtifactKind::StorageDevice, "CT1000MX500SSD1", &["micron:possible"]),
            row(ArtifactKind::StorageDevice, "vda", &[]),
            // The NVMe controller's PCI vendor id c0a9 is Micron/Crucial's.
            row(ArtifactKind::StorageDevice, "CT1000P3SSD8", &["micron:confirmed"]),
        ]
    );
    let cpu = &out.artifacts[0];
    assert!(cpu.fields.iter().any(|f| f.field == "cpu.vendor_id" && f.value == "AuthenticAMD"));
    assert!(cpu.fields.iter().any(|f| f.field == "cpu.count" && f.value == "2"));
    assert_eq!(out.artifacts[1].path, "/sys/firmware/dmi/entries/17-0/raw");
    assert_eq!(out.artifacts[6].version.as_deref(), Some("P9CR30A"));
}

#[test]
fn the_cpu_is_attributed_to_its_maker_under_an_approved_vendor_rule() {
    let catalog = load(&builtin_files()).expect("catalog");
    let m = Matcher::new(&catalog);
    let none = Selection::of_ids(&catalog, &[]).expect("none");
    // China's reported "safe and reliable" processors: an AMD processor is not one of them.
    let rule = delist_core::policy::AllowRule {
        category: Some("processor".into()),
        vendors: vec![],
        lists: vec!["cn-miit-safe-reliable-2023".into()],
        source: "delist.toml".into(),
    };
    let roots = Roots { proc: dir().join("proc"), sys: dir().join("nowhere") };
    let mut out = Output::default();
    hardware::collect_live(&roots, "/", &mut out);
    let e = m.evaluate_with(&out.artifacts[0], &none, std::slice::from_ref(&rule), Date::constant(2026, 11, 28));
    assert!(e.attributed);
    assert_eq!(e.findings.len(), 1);
    assert_eq!((e.findings[0].vendor.as_str(), e.findings[0].lists[0].id.as_str()), ("amd", "policy:allow.processor"));
    assert_eq!(e.findings[0].confidence, delist_core::Confidence::Confirmed);
}

#[test]
fn real_lshw_and_lspci_outputs_yield_their_vendors() {
    assert_eq!(
        hardware::sniff(&std::fs::read(dir().join("lshw-this-machine.json")).expect("f")),
        Some(Format::LshwJson)
    );
    let lshw = read("lshw-this-machine.json", Format::LshwJson);
    assert!(lshw.errors.is_empty(), "{:?}", lshw.errors);
    let kinds: Vec<(ArtifactKind, &str, Option<&str>)> =
        lshw.artifacts.iter().map(|a| (a.kind, a.name.as_str(), a.publisher.as_deref())).collect();
    assert_eq!(
        kinds,
        vec![
            (ArtifactKind::Cpu, "AMD EPYC", Some("Advanced Micro Devices")),
            (ArtifactKind::StorageDevice, "Virtual I/O device", None)
        ]
    );
    let catalog = load(&builtin_files()).expect("catalog");
    let m = Matcher::new(&catalog);
    assert_eq!(m.vendors_named(lshw.artifacts[0].publisher.as_deref().unwrap_or("")).len(), 1);
    for (name, confirmed) in [("lspci-vmm-this-machine.txt", false), ("lspci-vmmnn-this-machine.txt", true)] {
        assert_eq!(hardware::sniff(&std::fs::read(dir().join(name)).expect("f")), Some(Format::LspciVmm));
        let out = read(name, Format::LspciVmm);
        assert_eq!(out.artifacts.len(), 6, "{name}");
        let intel: Vec<&Artifact> =
            out.artifacts.iter().filter(|a| a.publisher.as_deref() == Some("Intel Corporation")).collect();
        assert_eq!(intel.len(), 1, "{name}");
        assert_eq!(m.vendors_named("Intel Corporation")[0].id, "intel");
        let has_id = intel[0].fields.iter().any(|f| f.field == "pci.vendor_id" && f.value == "8086");
        assert_eq!(has_id, confirmed, "{name}");
        // Red Hat's virtio devices: no catalog vendor.
        assert!(out.artifacts.iter().filter(|a| a.publisher.as_deref() == Some("Red Hat, Inc.")).count() == 5);
    }
}

#[test]
fn malformed_hardware_inputs_are_errors_not_panics() {
    let dump = std::fs::read(dir().join("dmi-smbios3.bin")).expect("fixture");
    for cut in 0..dump.len() {
        let mut out = Output::default();
        hardware::read(&dump[..cut], Format::DmiDump, "/d", "t", &mut out);
    }
    for cut in [5, 20, 31] {
        let mut out = Output::default();
        hardware::read(&dump[..cut], Format::DmiDump, "/d", "t", &mut out);
        assert_eq!(out.errors.len(), 1, "cut at {cut}");
        assert!(out.errors[0].error.starts_with("dmidecode dump: "), "{:?}", out.errors);
    }
    // Cut inside the processor's strings: the string set never ends.
    let mut out = Output::default();
    hardware::read(&dump[..32 + 0x30 + 5], Format::DmiDump, "/d", "t", &mut out);
    assert!(out.errors[0].error.contains("double NUL"), "{:?}", out.errors);
    // Bit flips anywhere: an error or fewer modules, never a panic.
    for i in 0..dump.len() {
        for bit in 0..8 {
            let mut b = dump.clone();
            b[i] ^= 1 << bit;
            let mut out = Output::default();
            hardware::read(&b, Format::DmiDump, "/d", "t", &mut out);
        }
    }
    // A table address outside the file.
    let mut far = dump.clone();
    far[0x14] = 1; // 4 GiB + 32
    let mut out = Output::default();
    hardware::read(&far, Format::DmiDump, "/d", "t", &mut out);
    assert!(out.errors[0].error.contains("is not inside"), "{:?}", out.errors);

    let lshw = std::fs::read(dir().join("lshw-this-machine.json")).expect("fixture");
    for cut in [1, lshw.len() / 3, lshw.len() - 2] {
        let mut out = Output::default();
        hardware::read(&lshw[..cut], Format::LshwJson, "/l", "t", &mut out);
        assert!(out.errors[0].error.starts_with("lshw -json: "), "{:?}", out.errors);
    }
    let mut out = Output::default();
    hardware::read(b"Vendor:\tIntel\n", Format::LspciVmm, "/p", "t", &mut out);
    assert!(out.errors[0].error.contains("before any `Slot:`"), "{:?}", out.errors);
    // A raw DMI entry of another type, or cut short.
    let raw = std::fs::read(dir().join("sys/firmware/dmi/entries/17-0/raw")).expect("fixture");
    assert!(hardware::smbios::parse_entry(&raw[..raw.len() - 1]).is_err());
    let mut other = raw.clone();
    other[0] = 4;
    assert!(hardware::smbios::parse_entry(&other).unwrap_err().contains("expected a type 17"));
}
