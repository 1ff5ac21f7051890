#!/usr/bin/env zsh
# The generated zsh completion, for real: `zsh -n` accepts it, then an
# interactive zsh in a pseudo-terminal (zpty) loads it through compinit and
# TAB is pressed on command lines; the matches compadd was given for what is
# on the line must be exactly the expected ones.
#   zsh -f completion_zsh.zsh KPI_BINARY COMPLETION_FILE (_kpi)
emulate -L zsh
setopt err_return no_unset
kpi=$1 comp=$2
integer fails=0 n=0

zsh -n $comp || { print -u2 "zsh -n rejects $comp"; exit 1 }

tmp=$(mktemp -d /tmp/kpi-zsh-completion.XXXXXX)
trap 'zpty -d kpi_z 2>/dev/null; rm -rf $tmp' EXIT
mkdir $tmp/bin $tmp/fpath
ln -s $kpi $tmp/bin/kpi
cp $comp $tmp/fpath/_kpi
out=$tmp/matches

# The interactive side: compinit with the completion on fpath; compadd
# wrapped to log the matches of the current prefix (compadd -O); TAB bound to
# a widget that completes, logs an end marker and clears the line.
cat >$tmp/setup.zsh <<SETUP
PS1='' PROMPT='' RPROMPT=''
PATH=$tmp/bin:\$PATH
fpath=($tmp/fpath \$fpath)
autoload -Uz compinit && compinit -u -D
zstyle ':completion:*' insert-tab false
compadd() {
  if [[ \${@[1,(i)(-|--)]} == *-(O|A|D)\\ * ]]; then
    builtin compadd "\$@"
    return
  fi
  local -a __m
  builtin compadd -O __m "\$@"
  (( \$#__m )) && print -rl -- \$__m >>$out
  builtin compadd "\$@"
}
_t_tab() {
  zle complete-word
  print -r -- '--end--' >>$out
  zle kill-whole-line
}
zle -N _t_tab
bindkey '^I' _t_tab
print -r -- '--ready--' >>$out
SETUP

zmodload zsh/zpty
zpty kpi_z "zsh -f -i"
zpty -w kpi_z "source $tmp/setup.zsh"

# wait until $out holds $1 lines equal to $2
# (reading what the terminal shows meanwhile, into $tmp/screen)
wait_marks() {
  local i chunk
  local -a lines marks
  for i in {1..100}; do
    while zpty -r -t kpi_z chunk; do print -rn -- $chunk >>$tmp/screen; done
    if [[ -f $out ]]; then
      lines=("${(@f)$(<$out)}")
      marks=(${(M)lines:#$2})
      (( $#marks >= $1 )) && return 0
    fi
    sleep 0.1
  done
  print -u2 "waited in vain for '$2' number $1; the terminal showed:"
  print -u2 -r -- "$(<$tmp/screen)"
  return 1
}
wait_marks 1 --ready-- || { print -u2 "the interactive zsh did not start"; exit 1 }

integer ends=0
# expect WANT LINE: TAB at the end of LINE offers exactly WANT (sorted)
expect() {
  local want=$1 line=$2 got
  local -a all block
  : >$out.prev
  ends+=1
  n+=1
  zpty -w -n kpi_z "$line"$'\t'
  if ! wait_marks $ends --end--; then
    print "FAIL $line<TAB>: no answer"
    fails+=1
    return 0
  fi
  # the lines between the previous end marker and this one
  all=("${(@f)$(<$out)}")
  integer i=${all[(I)--end--]} j
  block=(${all[1,i-1]})
  j=${block[(I)--end--]}
  (( j )) || j=${block[(I)--ready--]}
  block=(${(ou)block[j+1,-1]})
  got=${(j: :)block}
  if [[ $got == $want ]]; then
    print -r -- "ok   $line<TAB> -> $got"
  else
    print -r -- "FAIL $line<TAB>: got [$got], expected [$want]"
    fails+=1
  fi
  return 0
}

kpis=${(j: :)${(o)${(f)"$(KPI_DATADIR=${KPI_DATADIR:-} $kpi __complete kpis)"}}}
[[ -n $kpis ]] || { print -u2 "kpi __complete kpis printed nothing"; exit 1 }

expect "query" "kpi que"
expect "pack publish" "kpi p"
expect "--format" "kpi query --for"
expect "csv json table" "kpi query --format "
expect "json table" "kpi list -f "
expect "json text" "kpi alert --log-format "
expect "demo scale" "kpi seed "
expect "$(date +%G-W%V) current last" "kpi pack --week "
expect "legacy_coverage_pct" "kpi explain legacy_c"
expect "$kpis" "kpi explain "
expect "all" "kpi query al"
expect "adoption_split" "kpi query --week last ado"
print -r -- '{}' >$tmp/kpi.json
expect "legacy_coverage_pct" "kpi query --config $tmp/kpi.json --format json legacy_cov"
expect "all" "kpi query --config $tmp/nonexistent.json a"
expect "$(cd ${comp:h} && print -r -- _kpi)" "kpi render --snapshot ${comp:h}/_k"
expect "query" "kpi help que"

zpty -d kpi_z
print "$((n - fails)) passed, $fails failed"
(( fails == 0 ))
