/**
 * What every log reader yields before normalization: one source record with
 * its fields and its place in the file. The Sigma engine matches on `fields`;
 * `normalize` turns records into `NormalizedEvent`s for the provenance graph.
 */

/** Where a record came from: enough to open the file and find it again. */
export interface SourceLocation {
  file: string;
  /** 1-based line for line-oriented files (JSONL, auditd). */
  line?: number;
  /** Record number: EVTX EventRecordID or the index of the object in a JSON array/stream. */
  record?: number;
  /** Byte offset of the record in the (decompressed) file. */
  offset?: number;
}

/** The reader (and flavour) that produced a record. */
export type RecordFormat =
  | 'evtx'
  | 'win-flat' // python-evtx flat JSONL: EventID, Channel, Provider_Name, Computer, EventData fields at top level
  | 'win-secdatasets' // Security-Datasets flat: SourceName, Hostname, EventID, Message, ...
  | 'win-secdatasets-nested' // older Security-Datasets: event_data{}
  | 'win-nested' // XML-as-JSON: Event.System / Event.EventData
  | 'ecs' // Winlogbeat / Elastic Common Schema
  | 'auditd'
  | 'sysmon-linux'
  | 'cdm' // DARPA TC CDM
  | 'json'; // any other JSON object

export interface LogRecord {
  /**
   * Fields as Sigma sees them. Windows sources are flattened to the python-evtx
   * shape (EventID, Channel, Provider_Name, Computer, TimeCreated,
   * EventRecordID, and EventData/UserData fields at top level); other sources
   * keep their own field names (auditd: type, syscall, exe, a0…, key, …).
   */
  fields: Record<string, unknown>;
  format: RecordFormat;
  source: SourceLocation;
}
