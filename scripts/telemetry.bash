# bash completion for telemetry (README "Manual page and completion").
# Installed as PREFIX/share/bash-completion/completions/telemetry.  It names
# no command and no option itself: it asks the program being completed
# (`telemetry --commands`, `telemetry --commands CMD`), whose command table
# and help texts are the one home of both.
_telemetry()
{
    local cur prog cmd i
    cur=${COMP_WORDS[COMP_CWORD]}
    prog=${COMP_WORDS[0]}
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W "$("$prog" --commands 2>/dev/null) --help --version" -- "$cur"))
        return
    fi
    cmd=${COMP_WORDS[1]}
    # after `run ... --` the words belong to the command run
    for ((i = 2; i < COMP_CWORD; i++)); do
        if [ "${COMP_WORDS[i]}" = "--" ]; then
            COMPREPLY=($(compgen -c -- "$cur"))
            return
        fi
    done
    case $cur in
    -*) COMPREPLY=($(compgen -W "$("$prog" --commands "$cmd" 2>/dev/null)" -- "$cur")) ;;
    *) COMPREPLY=($(compgen -f -- "$cur")) ;;
    esac
}
complete -F _telemetry telemetry
