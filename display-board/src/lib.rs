//! Banli display board (显示屏). The board app is built in its own issue on
//! top of the server's event stream and `banli-core`'s wire types; this
//! crate holds its place in the workspace until then.
