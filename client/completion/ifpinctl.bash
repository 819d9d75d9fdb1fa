# bash completion for ifpinctl(1), installed as bash-completion's completions/ifpinctl.
#
# Completes the commands, their options, role names (asked of the running ifpind with the hidden
# `ifpinctl __complete roles`, which prints nothing when ifpind is not running and never starts it),
# interface names (/sys/class/net), the families of set-gateway, and the command after
# `ifpinctl exec ROLE --`. Uses nothing from bash-completion itself, so it also works sourced alone;
# when bash-completion is loaded, exec's command is completed by its _command_offset.

_ifpinctl_commands="exec status metrics monitor set-metric set-interface set-gateway reset reload confirm rollback"

# The roles of the running ifpind, by the ifpinctl being completed (a path typed, or the one in PATH).
_ifpinctl_roles() {
  local program=${COMP_WORDS[0]}
  [[ $program == */* && -x $program ]] || program=ifpinctl
  "$program" __complete roles 2>/dev/null
}

_ifpinctl_interfaces() {
  local path
  for path in /sys/class/net/*; do
    [[ -e $path ]] && printf '%s\n' "${path##*/}"
  done
}

# COMPREPLY from the words of $1 (separated by blanks or newlines: role and interface names have
# none inside) that start with the current word.
_ifpinctl_reply() {
  mapfile -t COMPREPLY < <(compgen -W "$1" -- "$_ifpinctl_cur")
}

_ifpinctl() {
  local _ifpinctl_cur=${COMP_WORDS[COMP_CWORD]}
  local prev=""
  ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
  COMPREPLY=()

  # The command is the first word that is not an option; its arguments are the words after it
  # that are not options ("--output PATH" and "--confirm-within DURATION" count as one option).
  local command="" i word dashdash=0
  local -a arguments=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=${COMP_WORDS[i]}
    if [[ -z $command ]]; then
      [[ $word == -* ]] || command=$word
    elif [[ $command == exec && $word == -- ]]; then
      dashdash=$i
      break
    elif [[ $word == --output || $word == --confirm-within ]]; then
      ((i++))
    elif [[ $word != -* ]]; then
      arguments+=("$word")
    fi
  done

  if [[ -z $command ]]; then
    if [[ $_ifpinctl_cur == -* ]]; then
      _ifpinctl_reply "--help --version"
    else
      _ifpinctl_reply "$_ifpinctl_commands"
    fi
    return 0
  fi

  if ((dashdash)); then # exec ROLE -- COMMAND...: the command and its own arguments
    if declare -F _command_offset >/dev/null; then
      _command_offset $((dashdash + 1))
    elif ((COMP_CWORD == dashdash + 1)); then
      mapfile -t COMPREPLY < <(compgen -c -- "$_ifpinctl_cur")
    else
      mapfile -t COMPREPLY < <(compgen -f -- "$_ifpinctl_cur")
    fi
    return 0
  fi

  if [[ $prev == --confirm-within ]]; then # a duration: nothing to offer
    return 0
  fi

  if [[ $prev == --output && $command == metrics ]]; then
    mapfile -t COMPREPLY < <(compgen -f -- "$_ifpinctl_cur")
    return 0
  fi

  if [[ $_ifpinctl_cur == -* ]]; then
    case $command in
      status | monitor) _ifpinctl_reply "--json --help" ;;
      metrics) _ifpinctl_reply "--output --help" ;;
      exec) _ifpinctl_reply "-- --help" ;;
      set-metric | set-interface | set-gateway | reset | reload) _ifpinctl_reply "--confirm-within --help" ;;
      *) _ifpinctl_reply "--help" ;;
    esac
    return 0
  fi

  # What the next argument of the command is.
  local position=${#arguments[@]}
  case $command:$position in
    status:0 | set-metric:0 | set-interface:0 | set-gateway:0 | reset:0 | exec:0)
      _ifpinctl_reply "$(_ifpinctl_roles)" ;;
    set-interface:1) _ifpinctl_reply "$(_ifpinctl_interfaces)" ;;
    set-gateway:1) _ifpinctl_reply "inet inet6" ;;
    set-gateway:2) _ifpinctl_reply "learn" ;;
    exec:1) _ifpinctl_reply "--" ;;
  esac
  return 0
}

complete -F _ifpinctl ifpinctl
