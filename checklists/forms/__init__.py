"""Forms: they validate and normalise input; they never write beyond their own model.

Each topic has its module; import from it (this package re-exports nothing):

- `accounts`: signing up, logging in, a person's name and address.
- `projects`: organisations, projects (and deleting one), starting, copying and submitting
  assessments.
- `answers`: an answer's form and its inputs drawn for the section page.
- `actions`: the action plan's form and its inputs, and checking a report's integrity hash.
- `teams`: invitations, roles, collaborators' access, and the activity filters.
"""
