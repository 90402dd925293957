//! snap: placeholder until its collector lands.

use crate::{Collector, Context, Output};

pub struct Snap;

impl Collector for Snap {
    fn id(&self) -> &'static str {
        "snap"
    }

    fn collect(&self, _cx: &Context<'_>, _out: &mut Output) {}
}
