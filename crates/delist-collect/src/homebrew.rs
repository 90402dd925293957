//! homebrew: placeholder until its collector lands.

use crate::{Collector, Context, Output};

pub struct Homebrew;

impl Collector for Homebrew {
    fn id(&self) -> &'static str {
        "homebrew"
    }

    fn collect(&self, _cx: &Context<'_>, _out: &mut Output) {}
}
