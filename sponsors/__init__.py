"""The paying company's side: sponsors (users who act for a company), their
invitations, and what each employee chose to share with the company."""
