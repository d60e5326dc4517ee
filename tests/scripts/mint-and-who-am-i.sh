#!/usr/bin/env bash
# Mints a session token and calls whoAmI with curl and jq, step by step as Tripletex's own
# authentication example does, against any API host (the sandbox or Tripletex).
#
# Settings come from the environment:
#   API_HOST         the host before /v2, e.g. http://127.0.0.1:8080 (or a sandbox's baseUrl)
#   CONSUMER_TOKEN   the integration's consumer token
#   EMPLOYEE_TOKEN   the key's employee token (GET /_sandbox/credentials lists usable pairs)
#   EXPIRATION_DATE  YYYY-MM-DD, after today (the session dies at 00:00 Europe/Oslo that day)
#   COMPANY_ID       0 (default) for the key's own company, or a client's id for an office key
#   FLOW             whoami (default): print the whoAmI answer; full: the whole example flow
#                    (whoAmI, list customers, create one and read it back, log out, see the dead
#                    session refused), one `step: …` line each; exits 1 at the first step that fails
set -u

command -v jq >/dev/null || { echo "error: jq is required"; exit 1; }

auth_response=$(
  curl "$API_HOST/v2/token/session/:create?consumerToken=$CONSUMER_TOKEN&employeeToken=$EMPLOYEE_TOKEN&expirationDate=$EXPIRATION_DATE" \
    --request PUT \
    --silent
)
session_token=$(echo "$auth_response" | jq --raw-output '.value.token // empty')

# Any non-empty token will do: production tokens carry no dash, the test environment's start
# with "test-" (the old example's check for a dash refused the former).
if [[ -z "$session_token" ]]; then
  echo "Error generating session token"
  echo "$auth_response"
  exit 1
fi

# GNU base64 wraps its output at 76 columns, which would split the header; keep it on one line.
basic_auth=$(echo -n "${COMPANY_ID:-0}:$session_token" | base64 | tr -d '\n')

if [[ "${FLOW:-whoami}" != "full" ]]; then
  curl "$API_HOST/v2/token/session/%3EwhoAmI" \
    --header "Authorization: Basic $basic_auth" \
    --silent
  exit 0
fi

# call METHOD PATH [BODY]: prints the body, then the status on a line of its own.
call() {
  curl "$API_HOST/v2$2" --request "$1" --header "Authorization: Basic $basic_auth" \
    --header "Content-Type: application/json" ${3:+--data "$3"} --silent --write-out '\n%{http_code}'
}
# step NAME EXPECTED_STATUS JQ_FILTER METHOD PATH [BODY]: one line, or exit 1 with the answer.
step() {
  local name=$1 expected=$2 filter=$3
  shift 3
  local answer status body
  answer=$(call "$@")
  status=${answer##*$'\n'}
  body=${answer%$'\n'*}
  if [[ "$status" != "$expected" ]]; then
    echo "step $name: FAILED: $1 $2 answered $status, expected $expected"
    echo "$body"
    exit 1
  fi
  last=$( [[ -n "$body" ]] && echo "$body" | jq --compact-output "$filter" )
  echo "step $name: $status $last"
}

step who-am-i 200 '{companyId: .value.companyId, employeeId: .value.employeeId}' GET /token/session/%3EwhoAmI
step list-customers 200 '{fullResultSize, names: [.values[].name]}' GET '/customer?fields=id,name&count=5'
step create-customer 201 '{id: .value.id, customerNumber: .value.customerNumber}' POST /customer '{"name": "Eksempel AS", "email": "post@eksempel.example"}'
customer_id=$(echo "$last" | jq --raw-output '.id')
step read-customer 200 '{id: .value.id, name: .value.name}' GET "/customer/$customer_id?fields=id,name"
step log-out 204 '.' DELETE "/token/session/$(jq --null-input --raw-output --arg t "$session_token" '$t | @uri')"
step dead-session 401 '{status, code}' GET /token/session/%3EwhoAmI
