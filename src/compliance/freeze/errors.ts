// The one error a freeze calendar raises: the source (freezes.yaml or an .ics import) cannot be used.
import { fixedCodeError } from '../../shared/errors.js';

/** freezes.yaml or one of its .ics imports is malformed; the message names the file and the entry. */
export class FreezeCalendarError extends fixedCodeError('FreezeCalendarError', 'freeze_calendar_invalid', 'invalid_input') {}
