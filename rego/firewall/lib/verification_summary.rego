# METADATA
# title: Admission on dfw's verification summary
# description: >-
#   Which rule packages judge an input. Every one, unless the admission webhook found a
#   verification summary dfw signed for the admitted image (kubernetes.admission.
#   admit_on_summary): then the rules that judge the delivery pipeline's evidence count as
#   the summary's decision judged them, and only config.verification_summary.still_judged
#   judges what the admission alone knows (the pod spec, the freeze calendar now).
package firewall.lib.verification_summary

import data.firewall.config
import data.firewall.lib

# input.verification_summary comes only from dfw's webhook, after it verified the summary's
# signature with dfw's key, its digest, its repository and its environment
# (src/collect/trust/verification-summary.ts); a check request's own fields land under
# input.request.extra, so no caller can set it. What the webhook cannot know is judged here,
# so that a replay or an audit under another bundle judges it the same way: the summary
# vouches only under the bundle that made it (input.request.bundle is the bundle evaluating,
# set by the evaluator) and only while it is young enough.
vouches if {
	summary := input.verification_summary
	summary.verified == true
	summary.environment == lib.environment
	summary.bundle == input.request.bundle
	_young_enough(summary)

	# Without the list, nothing would judge the pod spec: no vouching at all.
	is_array(config.verification_summary.still_judged)
}

_hour_ns := 3600000000000

# A summary from the future (beyond five minutes of clock skew) vouches for nothing.
_young_enough(summary) if {
	verified_ns := time.parse_rfc3339_ns(summary.time_verified)
	verified_ns <= input.request.time_ns + (_hour_ns / 12)
	input.request.time_ns - verified_ns <= config.verification_summary.max_age_hours * _hour_ns
}

# Whether the rule package firewall.rules[category][rule] judges this input.
judged(_, _) if not vouches

judged(category, rule) if {
	vouches
	_still_judged(category, rule)
}

_still_judged(category, _) if category in config.verification_summary.still_judged

_still_judged(category, rule) if concat(".", [category, rule]) in config.verification_summary.still_judged
