//! Banli kiosk (取号机). The touch-screen app is built in its own issue on
//! top of the server's API and `banli-core`'s wire types; this crate holds
//! its place in the workspace until then.
