//! pacman: placeholder until its collector lands.

use crate::{Collector, Context, Output};

pub struct Pacman;

impl Collector for Pacman {
    fn id(&self) -> &'static str {
        "pacman"
    }

    fn collect(&self, _cx: &Context<'_>, _out: &mut Output) {}
}
