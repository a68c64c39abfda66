# Sourced by the run steps of spur's GitHub Actions (actions/*/action.yml),
# under bash. Inputs arrive only as environment variables, never as text
# pasted into the script:
#   INPUT_SERVER, INPUT_TOKEN   the spur server's URL and an API token
#   INPUT_CACERT                PEM text or a file path of the CA to trust (optional)
#   INPUT_SPUR_URL              where to download spur when it is not on PATH (optional)
#   INPUT_SPUR_SHA256           the download's SHA-256, checked when given (optional)
# Exports SPUR_SERVER, SPUR_TOKEN and SPUR_CACERT for `spur`. A bad input
# stops the step with an ::error:: line saying what to change.

spur_fail() {
  echo "::error title=spur::$*"
  exit 1
}

[ -n "${INPUT_SERVER:-}" ] || spur_fail "input server is empty: give the URL of spur serve, e.g. https://db.example.com:7432"
[ -n "${INPUT_TOKEN:-}" ] || spur_fail "input token is empty: give a developer token from a secret (spur token create --role developer --owner ci)"
# Masked already when it comes from a secret; this covers tokens that do not.
echo "::add-mask::${INPUT_TOKEN}"
export SPUR_SERVER="$INPUT_SERVER" SPUR_TOKEN="$INPUT_TOKEN"

case "${INPUT_CACERT:-}" in
  "") ;;  # $SPUR_CACERT if the job sets it, else the system's trust store
  *"-----BEGIN"*)
    SPUR_CACERT="${RUNNER_TEMP:-/tmp}/spur-ca.pem"
    printf '%s\n' "$INPUT_CACERT" >"$SPUR_CACERT"
    export SPUR_CACERT
    ;;
  *)
    [ -r "$INPUT_CACERT" ] || spur_fail "input cacert is neither PEM text nor a readable file: $INPUT_CACERT"
    export SPUR_CACERT="$INPUT_CACERT"
    ;;
esac

if ! command -v spur >/dev/null 2>&1; then
  [ -n "${INPUT_SPUR_URL:-}" ] || spur_fail "spur is not on PATH: give spur-url (where to download the spur binary) or install spur in an earlier step"
  spur_bin="${RUNNER_TEMP:-/tmp}/spur-bin"
  mkdir -p "$spur_bin"
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL --retry 3 -o "$spur_bin/spur.download" "$INPUT_SPUR_URL" || spur_fail "cannot download spur from spur-url"
  elif command -v wget >/dev/null 2>&1; then
    wget -q -O "$spur_bin/spur.download" "$INPUT_SPUR_URL" || spur_fail "cannot download spur from spur-url"
  else
    spur_fail "spur-url needs curl or wget on the runner"
  fi
  if [ -n "${INPUT_SPUR_SHA256:-}" ]; then
    echo "${INPUT_SPUR_SHA256}  $spur_bin/spur.download" | sha256sum -c - >/dev/null ||
      spur_fail "the download from spur-url does not match spur-sha256"
  fi
  chmod 0755 "$spur_bin/spur.download"
  mv "$spur_bin/spur.download" "$spur_bin/spur"
  export PATH="$spur_bin:$PATH"
  echo "$spur_bin" >>"$GITHUB_PATH"  # later steps of the job find it too
  echo "spur: installed $(spur --version) from spur-url"
fi
