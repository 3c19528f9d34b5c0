//! Audio tests of the display board: rendering real voice packs, loading
//! broken ones, the speaker's queue on a stand-in device and on ALSA's `null`
//! device, and the `say` command. One binary, a module per concern.

mod cli;
mod null_device;
mod packs;
mod render;
mod speaker;
mod util;
