package outcome

import "strconv"

// Cause codes the classification and the simulators name.
const (
	CauseUnallocated      = 1
	CauseNormalClearing   = 16
	CauseUserBusy         = 17
	CauseNoUserResponse   = 18
	CauseNoAnswer         = 19
	CauseSubscriberAbsent = 20
	CauseCallRejected     = 21
	CauseCongestion       = 34
	CauseTemporaryFailure = 41
	CauseChanUnavailable  = 44
	CauseTimerExpired     = 102
	// CauseOriginatorCancel is FreeSWITCH's own (switch_types.h: SWITCH_CAUSE_ORIGINATOR_CANCEL = 487);
	// hangup_cause_q850 reports it as 16.
	CauseOriginatorCancel = 487
)

// asteriskOnly names the Q.850 codes Asterisk's include/asterisk/causes.h:98-146 defines and
// FreeSWITCH's table does not (asterisk/asterisk@f0c1c1a7b79b0f8cc0311649bf36824cbeee30a9).
var asteriskOnly = [...]struct {
	Name string
	Code int
}{{"MISDIALLED_TRUNK_PREFIX", 5}, {"PREEMPTION", 8}, {"NUMBER_PORTED_NOT_HERE", 14}, {"ANSWERED_ELSEWHERE", 26}}

// Cause slots: 0-127 are the Q.850 codes themselves; FreeSWITCH's own causes (above 127) follow; the last
// slot is "other" (a cause name or code no table knows).
var (
	slotNames []string        // slot → label value
	slotCodes []int           // slot → code (-1 for other)
	codeSlot  = map[int]int{} // code → slot
	nameSlot  = map[string]int{}
	otherSlot int
	numSlots  int
	q850Named [128]bool
)

func init() {
	slotNames = make([]string, 128)
	slotCodes = make([]int, 128)
	for i := range 128 {
		slotNames[i] = "CAUSE_" + strconv.Itoa(i)
		slotCodes[i] = i
		codeSlot[i] = i
	}
	for _, c := range asteriskOnly {
		slotNames[c.Code] = c.Name
		q850Named[c.Code] = true
		nameSlot[c.Name] = c.Code
	}
	for _, c := range causeTable {
		if c.Code < 128 {
			slotNames[c.Code] = c.Name
			q850Named[c.Code] = true
			nameSlot[c.Name] = c.Code
			continue
		}
		s := len(slotNames)
		slotNames = append(slotNames, c.Name)
		slotCodes = append(slotCodes, c.Code)
		codeSlot[c.Code] = s
		nameSlot[c.Name] = s
	}
	otherSlot = len(slotNames)
	slotNames = append(slotNames, OtherLabel)
	slotCodes = append(slotCodes, -1)
	numSlots = len(slotNames)
}

// CauseName returns the label value of a cause code: the Q.850 name as FreeSWITCH spells it (Asterisk's
// for the four codes FreeSWITCH lacks), FreeSWITCH's name above 127, "CAUSE_<n>" for an unnamed Q.850 code,
// "other" for anything else.
func CauseName(code int) string {
	if s, ok := codeSlot[code]; ok {
		return slotNames[s]
	}
	return OtherLabel
}

// CauseCode returns the code of a cause name (FreeSWITCH's hangup_cause), or -1.
func CauseCode(name string) int {
	if s, ok := nameSlot[name]; ok {
		return slotCodes[s]
	}
	return -1
}

func slotOf(code int) int {
	if code >= 0 && code < 128 {
		return code
	}
	if s, ok := codeSlot[code]; ok {
		return s
	}
	return otherSlot
}

// Outcome is what became of one call attempt.
type Outcome uint8

// Outcomes. NER (ITU-T E.425) counts Answered, Busy, NoAnswer and Rejected as effective.
const (
	Answered  Outcome = iota
	Busy              // Q.850 17 user busy
	NoAnswer          // Q.850 18 no user responding, 19 no answer from user (user alerted)
	Rejected          // Q.850 21 call rejected
	Cancelled         // the caller gave up before an answer (FreeSWITCH ORIGINATOR_CANCEL, Asterisk DialStatus CANCEL)
	Failed            // every other cause
	numOutcomes
)

var outcomeNames = [numOutcomes]string{"answered", "busy", "no_answer", "rejected", "cancelled", "failed"}

func (o Outcome) String() string {
	if o < numOutcomes {
		return outcomeNames[o]
	}
	return "unknown"
}

// Effective reports whether ITU-T E.425 counts the outcome as an effective call (NER numerator).
func (o Outcome) Effective() bool { return o <= Rejected }

// Classify returns the outcome of an attempt from whether it was answered and its cause code.
func Classify(answered bool, cause int) Outcome {
	if answered {
		return Answered
	}
	switch cause {
	case CauseUserBusy:
		return Busy
	case CauseNoUserResponse, CauseNoAnswer:
		return NoAnswer
	case CauseCallRejected:
		return Rejected
	case CauseOriginatorCancel:
		return Cancelled
	}
	return Failed
}

// SIP final response codes kept as their own label value (RFC 3261 §21 and the registered extensions);
// any other 200-699 code is counted as "other" within its class.
var sipCodes = [...]int{200, 202, 204,
	300, 301, 302, 305, 380,
	400, 401, 402, 403, 404, 405, 406, 407, 408, 410, 412, 413, 414, 415, 416, 417, 420, 421, 422, 423, 428, 429,
	430, 433, 436, 437, 438, 439, 470, 480, 481, 482, 483, 484, 485, 486, 487, 488, 489, 491, 493, 494,
	500, 501, 502, 503, 504, 505, 513, 555, 580,
	600, 603, 604, 606, 607, 608}

const sipClasses = 5 // 2xx-6xx

var (
	sipSlot     [700]int16 // code → slot+1 (0: not kept)
	sipSlotName []string
	sipSlotCls  []int
	numSIPSlots int
	sipClassLbl = [sipClasses]string{"2xx", "3xx", "4xx", "5xx", "6xx"}
)

func init() {
	for _, c := range sipCodes {
		sipSlot[c] = int16(len(sipSlotName) + 1)
		sipSlotName = append(sipSlotName, strconv.Itoa(c))
		sipSlotCls = append(sipSlotCls, c/100-2)
	}
	for cls := range sipClasses { // one "other" slot per class
		sipSlotName = append(sipSlotName, OtherLabel)
		sipSlotCls = append(sipSlotCls, cls)
	}
	numSIPSlots = len(sipSlotName)
}

// sipSlotOf returns the slot of a final response code, or -1 when it is not a final response.
func sipSlotOf(code int) int {
	if code < 200 || code > 699 {
		return -1
	}
	if s := sipSlot[code]; s > 0 {
		return int(s) - 1
	}
	return len(sipCodes) + code/100 - 2
}

// SIPLabels returns the class and code label values of a final response (an answered attempt without
// one: 200), as voip_call_sip_final_responses_total has them; ok is false when there is no final response.
func SIPLabels(code int, answered bool) (class, label string, ok bool) {
	if answered && code == 0 {
		code = 200
	}
	sl := sipSlotOf(code)
	if sl < 0 {
		return "", "", false
	}
	return sipClassLbl[sipSlotCls[sl]], sipSlotName[sl], true
}
