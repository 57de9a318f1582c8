-- Run once by the postgres image on an empty volume: one database per service (each service
-- owns its database; the services create their tables with their migrations at boot).
CREATE DATABASE dmp_enrolment;
CREATE DATABASE dmp_documents;
CREATE DATABASE dmp_reimbursements;
CREATE DATABASE dmp_consent;
CREATE DATABASE dmp_analytics;
