# dfw check request, rendered from DFW_* environment variables by the CI recipes in
# docs/integrations/ (Jenkins, GitLab CI, GitHub Actions). Copy it to dfw/check-request.jq
# in your repository, then:
#
#   jq -n -f dfw/check-request.jq > dfw-request.json
#
# A variable that is unset or empty leaves its field out: dfw refuses an empty
# change_ticket or a malformed commit with 400 (exit 2), while a field that is left out is
# filled in by the evidence store and collectors or, if nobody knows it, denied by the rule
# that needs it ("cannot verify"). jq escapes every value, so a branch name with quotes in it
# cannot change the shape of the request.
#
#   DFW_APPLICATION    application           required
#   DFW_ENVIRONMENT    environment           required (`dfw check --env` sets it too)
#   DFW_IMAGE          artifact.image        required: [registry/]repository[:tag][@digest]
#   DFW_IMAGE_DIGEST   artifact.digest       sha256:… the pipeline pushed
#   DFW_SERVICE        service
#   DFW_REPOSITORY     source.repository     e.g. github.com/acme/payments
#   DFW_BRANCH         source.branch
#   DFW_COMMIT         source.commit         full hex SHA
#   DFW_CHANGE_TICKET  change_ticket         e.g. CHG0012345
#   DFW_REQUESTED_BY   requested_by          the CD tool, and who started it
#   DFW_PIPELINE_URL   pipeline_url          kept by dfw under input.request.extra: the decision log links back to the run

def var($name): ($ENV[$name] // "") | if . == "" then null else . end;
def compact: with_entries(select(.value != null and .value != {}));

{
  application: var("DFW_APPLICATION"),
  service: var("DFW_SERVICE"),
  environment: var("DFW_ENVIRONMENT"),
  artifact: ({ image: var("DFW_IMAGE"), digest: var("DFW_IMAGE_DIGEST") } | compact),
  source: ({ repository: var("DFW_REPOSITORY"), branch: var("DFW_BRANCH"), commit: var("DFW_COMMIT") } | compact),
  change_ticket: var("DFW_CHANGE_TICKET"),
  requested_by: var("DFW_REQUESTED_BY"),
  pipeline_url: var("DFW_PIPELINE_URL")
} | compact
