//! flatpak: placeholder until its collector lands.

use crate::{Collector, Context, Output};

pub struct Flatpak;

impl Collector for Flatpak {
    fn id(&self) -> &'static str {
        "flatpak"
    }

    fn collect(&self, _cx: &Context<'_>, _out: &mut Output) {}
}
