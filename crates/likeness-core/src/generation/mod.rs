//! Generation on the device: where to frame the portrait, and the engines that
//! restyle and upscale it.

pub mod engines;
pub mod framing;
pub mod studio;
