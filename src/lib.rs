//! keikaku: a chat assistant for a Japanese municipality's DX action plan.
//!
//! Data flows one way: the document → [`plan`] → the [`search`] index; a question →
//! [`search`] (understand, retrieve) → [`answer`] (render) → the CLI (or, later, the bot).

pub mod actuals;
pub mod answer;
pub mod app;
pub mod bot;
pub mod chart;
pub mod cli;
pub mod conversation;
pub mod evaluation;
pub mod limits;
pub mod line;
pub mod nearest;
pub mod nlu;
pub mod normalize;
pub mod numbers;
pub mod plan;
pub mod review;
pub mod search;
pub mod teach;
pub mod telemetry;
pub mod web;
