/** How a DMP was opened (seed 000: counters 38%, pharmacies 28%, online 21%, others 13%). */
export enum OpeningChannel {
  CPAM_COUNTER = 'cpam-counter',
  PHARMACY = 'pharmacy',
  PATIENT_ONLINE = 'patient-online',
  PROFESSIONAL = 'professional',
  ESTABLISHMENT = 'establishment',
}
