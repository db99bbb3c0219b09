"""Views: find the object through its access helper, run the form, call a service.

Each topic has its module; import from it (this package re-exports nothing):

- `public`: the home page, the dashboard, logging out, setting a new password, the published
  checklists, the health check and the 400 page (`handler400`).
- `projects`: organisations and projects.
- `walkthrough`: assessments: starting, copying, the walk-through of sections, review, submit.
- `reports`: reports, actions, verification, exports.
- `teams`: members, invitations, collaborators.
- `activity`: the activity pages, from the audit trail.
- `accounts`: signing up and a person's account settings.
"""
