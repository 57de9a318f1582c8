import { OpeningData } from '../opening-rules';
import { Opener } from '../opener';

/** A validated opening in the name of an opener (a counter, a pharmacy, the patient...). */
export interface OpenRecordCommand {
  opening: OpeningData;
  opener: Opener;
  correlationId: string;
}
