//! End-to-end tests: the real Likeness app in a real window, driven over
//! WebDriver as a user would. One binary, one module per area.

mod accessibility;
mod cloud;
mod languages;
mod layout;
mod library;
mod privacy;
mod studio;
