# bash completion for perpd. The commands, each command's options and the
# kind of value an option takes are read from perpd's own --help when you
# press Tab, so this file does not drift from the CLI:
#   commands       the "commands:" list of `perpd --help`, and the plugin
#                  commands it lists
#   options        the --words of `perpd COMMAND --help`
#   option values  folders after an option shown as `--opt DIR`, files
#                  after `--opt FILE...`, nothing to offer for the rest
#   arguments      folders for init, else pipeline files (*.yaml, *.yml)
# Installed as share/bash-completion/completions/perpd.

_perpd_help()
{
    "$1" "${@:2}" --help 2>/dev/null
}

_perpd()
{
    local cur=${COMP_WORDS[COMP_CWORD]}
    local prev=${COMP_WORDS[COMP_CWORD - 1]}
    local perpd=${COMP_WORDS[0]}
    perpd=${perpd/#\~/$HOME}
    COMPREPLY=()

    if ((COMP_CWORD == 1)); then
        local words
        words=$(_perpd_help "$perpd" | sed -n \
            -e '/^commands:/,/^$/s/^  \([a-z][a-z0-9-]*\).*/\1/p' \
            -e 's/^  perpd \([a-z][a-z0-9_-]*\) .*/\1/p')
        COMPREPLY=($(compgen -W "$words --help --version" -- "$cur"))
        return 0
    fi

    local cmd=${COMP_WORDS[1]} help
    help=$(_perpd_help "$perpd" "$cmd")

    if [[ $prev == --* ]]; then
        # The option's value, by the name its usage gives it.
        local meta
        meta=$(printf '%s\n' "$help" |
            grep -o -- "$prev [A-Z][A-Z._]*" | head -n 1 | cut -d' ' -f2)
        case $meta in
        DIR*)
            compopt -o filenames 2>/dev/null
            COMPREPLY=($(compgen -d -- "$cur"))
            return 0
            ;;
        FILE* | CONFIG*)
            compopt -o filenames 2>/dev/null
            COMPREPLY=($(compgen -f -- "$cur"))
            return 0
            ;;
        ?*) return 0 ;;
        esac
    fi

    if [[ $cur == -* ]]; then
        local opts
        opts=$(printf '%s\n' "$help" | grep -o -- '--[a-z][a-z-]*' | sort -u)
        COMPREPLY=($(compgen -W "$opts --help" -- "$cur"))
        return 0
    fi

    compopt -o filenames 2>/dev/null
    case $cmd in
    init)
        COMPREPLY=($(compgen -d -- "$cur"))
        ;;
    history)
        if ((COMP_CWORD == 2)); then
            COMPREPLY=($(compgen -W "download" -- "$cur"))
        fi
        ;;
    *)
        COMPREPLY=($(compgen -f -X '!*.yaml' -- "$cur")
            $(compgen -f -X '!*.yml' -- "$cur") $(compgen -d -- "$cur"))
        ;;
    esac
    return 0
}
complete -F _perpd perpd
