//! `/proc/cpuinfo`: the processors' CPUID manufacturer string (`vendor_id`) and model name, one
//! entry per distinct processor model (a machine's 64 logical CPUs of one model are one CPU).
//!
//! A pure function of text; lines without `:` are skipped, nothing is indexed unchecked.

/// One processor model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cpu {
    /// The CPUID manufacturer string (`GenuineIntel`), as `vendor_id` gives it.
    pub vendor_id: Option<String>,
    pub model_name: Option<String>,
    /// How many logical processors report this model.
    pub count: usize,
}

/// Distinct processor models, in order of first appearance. Text that holds no `processor`,
/// `vendor_id` or `model name` line is an error (it is not a cpuinfo file).
pub fn parse(text: &str) -> Result<Vec<Cpu>, String> {
    let mut out: Vec<Cpu> = Vec::new();
    let mut seen_any = false;
    for block in text.split("\n\n") {
        let (mut vendor, mut model) = (None, None);
        let mut is_cpu = false;
        for line in block.lines() {
            let Some((k, v)) = line.split_once(':') else { continue };
            let v = v.trim();
            match k.trim() {
                "processor" => is_cpu = true,
                "vendor_id" if !v.is_empty() => vendor = Some(v.to_string()),
                // x86 `model name`; some other architectures write `cpu model` or `Model`.
                "model name" | "cpu model" if !v.is_empty() => model = Some(v.to_string()),
                _ => {}
            }
        }
        if !(is_cpu || vendor.is_some() || model.is_some()) {
            continue;
        }
        seen_any = true;
        if vendor.is_none() && model.is_none() {
            continue;
        }
        match out.iter_mut().find(|c| c.vendor_id == vendor && c.model_name == model) {
            Some(c) => c.count += 1,
            None => out.push(Cpu { vendor_id: vendor, model_name: model, count: 1 }),
        }
    }
    if !seen_any {
        return Err("expected `processor`, `vendor_id` or `model name` lines".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_entry_per_model() {
        let text = "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\n\n\
                    processor\t: 1\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\n\n";
        let cpus = parse(text).expect("cpuinfo");
        assert_eq!(cpus.len(), 1);
        assert_eq!((cpus[0].vendor_id.as_deref(), cpus[0].count), (Some("AuthenticAMD"), 2));
        assert!(parse("hello world").is_err());
        assert!(parse("").is_err());
    }
}
