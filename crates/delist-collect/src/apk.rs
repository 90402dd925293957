//! apk: placeholder until its collector lands.

use crate::{Collector, Context, Output};

pub struct Apk;

impl Collector for Apk {
    fn id(&self) -> &'static str {
        "apk"
    }

    fn collect(&self, _cx: &Context<'_>, _out: &mut Output) {}
}
