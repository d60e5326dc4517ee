//! The access model, pure and synchronous: the nouns (`model`), denials as data (`denial`),
//! and one function per decision (`rules`). No HTTP, no SQL.

pub mod denial;
pub mod employee;
pub mod entitlements;
pub mod invoice;
pub mod model;
pub mod resource;
pub mod rules;
pub mod token;
pub mod ui;
