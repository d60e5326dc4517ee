//! The rules of the emulated world, pure and synchronous — no HTTP, no SQL: the nouns (`model`),
//! denials as data (`denial`), one function per decision of the token flow (`rules`) and of the UI
//! (`ui`), entitlements and effective access (`entitlements`), and the data resources with their
//! write rules (`resource`, `employee`, `invoice`).

pub mod denial;
pub mod employee;
pub mod entitlements;
pub mod invoice;
pub mod model;
pub mod resource;
pub mod rules;
pub mod token;
pub mod ui;
