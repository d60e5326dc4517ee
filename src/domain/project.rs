//! Rules for a project's activities, as the real API answers them.

use crate::domain::denial::{Denial, DenialKind, Rule};

/// A project lists an activity once: linking it again is refused (`linked`: the project already
/// has it).
pub fn activity_is_new_to_project(linked: bool) -> Result<(), Denial> {
    if !linked {
        return Ok(());
    }
    Err(Denial::new(
        DenialKind::Invalid,
        Rule::ActivityIsNewToProject,
        "The project already has this activity.",
    )
    .remedy("use the link made before (the answer of the POST that made it has its id), or link another activity.")
    .field("activity", "Finnes fra før."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activity_is_new_to_project_once() {
        assert!(activity_is_new_to_project(false).is_ok());
        let again = activity_is_new_to_project(true).unwrap_err();
        assert_eq!(
            (again.fields[0].field.as_str(), again.fields[0].message.as_str()),
            ("activity", "Finnes fra før.")
        );
    }
}
