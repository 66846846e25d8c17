//! herd: run commands and copy files on many hosts over SSH, in parallel.
//!
//! Data flows one way: `cli` → `inventory` → `targets` → `executor` (over `ssh`)
//! → `event`s → `report`. See ARCHITECTURE.md for the map.

pub mod cli;
pub mod commands;
pub mod diff;
pub mod event;
pub mod executor;
pub mod interrupt;
pub mod inventory;
pub mod plan;
pub mod playbook;
pub mod report;
pub mod secret;
mod shell;
pub mod spool;
pub mod ssh;
pub mod ssh_config;
pub mod targets;
pub mod template;
pub mod vault;
