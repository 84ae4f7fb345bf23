DROP TABLE eligibility_rules;
DROP TABLE idea_invitations;
DROP TABLE idea_applications;
DROP TABLE idea_members;
DROP TABLE idea_role_topics;
DROP TABLE idea_roles;
DROP TABLE ideas;
