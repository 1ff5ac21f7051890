/* Hidden commands that turn the command tables (kpi_commands, each
 * kpi_cmd_spec, kpi_exit_codes, kpi_nagios_codes) into the man page's
 * generated sections and the shell completions, and answer the completions'
 * questions at run time:
 *
 *   kpi __gen man [--in FILE] [--out FILE]   docs/kpi.1 with its generated
 *       regions (between `.\" BEGIN GENERATED name` and `.\" END GENERATED
 *       name`) rewritten; the rest of the page is copied as it is
 *   kpi __gen bash|zsh [--out FILE]          the completion script
 *   kpi __complete kpis [--config FILE]      the catalogue's KPI ids
 *
 * They live in the kpi binary itself, so the generated texts always come
 * from the very tables the installed command parses with. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "commands.h"
#include "opts.h"

/* ---- what is common to several commands ---- */

static bool same_values(const char *const *a, const char *const *b)
{
	if (!a || !b)
		return a == b;
	for (; *a && *b; a++, b++)
		if (strcmp(*a, *b) != 0)
			return false;
	return !*a && !*b;
}

static bool same_str(const char *a, const char *b)
{
	return (!a || !b) ? a == b : strcmp(a, b) == 0;
}

static bool same_opt(const kpi_opt *a, const kpi_opt *b)
{
	return strcmp(a->name, b->name) == 0 && a->short_name == b->short_name && a->type == b->type &&
	       same_str(a->arg, b->arg) && same_str(a->def, b->def) && same_str(a->help, b->help) &&
	       same_str(a->details, b->details) && same_values(a->values, b->values) && a->min == b->min &&
	       a->max == b->max && a->flags == b->flags;
}

/* How many visible commands have an option defined exactly as `o`. */
static int sharing(const kpi_opt *o)
{
	int n = 0;
	for (const kpi_cmd_spec *const *c = kpi_commands; *c; c++)
		for (const kpi_opt *p = (*c)->opts; !(*c)->hidden && p && p->name; p++)
			n += same_opt(o, p);
	return n;
}

/* Was an option defined as `o` already seen in a command before `cmd`? */
static bool seen_before(const kpi_opt *o, const kpi_cmd_spec *cmd)
{
	for (const kpi_cmd_spec *const *c = kpi_commands; *c && *c != cmd; c++)
		for (const kpi_opt *p = (*c)->opts; !(*c)->hidden && p && p->name; p++)
			if (same_opt(o, p))
				return true;
	return false;
}

/* ---- the man page ---- */

static void man_escape(kpi_buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '-')
			kpi_buf_puts(b, "\\-");
		else if (*s == '\\')
			kpi_buf_puts(b, "\\e");
		else
			kpi_buf_append(b, s, 1);
	}
}

/* A macro argument between double quotes: a '"' in it would end it (and
 * '""' reads as one quote), so it is \(dq; blanks stay within the quotes. */
static void man_escape_arg(kpi_buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '"')
			kpi_buf_puts(b, "\\(dq");
		else {
			char c[2] = { *s, '\0' };
			man_escape(b, c);
		}
	}
}

static void man_synopsis(kpi_buf *b)
{
	kpi_buf_puts(b, ".SY kpi\n[\\fB\\-\\-version\\fR]\n[\\fB\\-\\-help\\fR]\n\\fIcommand\\fR\n[\\fIargs\\fR]\n.YS\n"
	                ".SY \"kpi help\"\n[\\fIcommand\\fR]\n.YS\n");
	for (const kpi_cmd_spec *const *c = kpi_commands; *c; c++) {
		const kpi_cmd_spec *s = *c;
		if (s->hidden)
			continue;
		kpi_buf_printf(b, ".SY \"kpi %s\"\n", s->name);
		for (const kpi_arg *a = s->args; a && a->name; a++) {
			kpi_buf_puts(b, a->missing ? "" : "[");
			if (a->kind == KPI_ARG_ENUM) {
				for (size_t i = 0; a->values[i]; i++) {
					kpi_buf_printf(b, "%s\\fB", i ? "|" : "");
					man_escape(b, a->values[i]);
					kpi_buf_puts(b, "\\fR");
				}
			} else {
				kpi_buf_puts(b, "\\fI");
				man_escape(b, a->name);
				kpi_buf_puts(b, a->kind == KPI_ARG_KPI_OR_ALL ? "\\fR|\\fBall\\fR" : "\\fR");
			}
			kpi_buf_puts(b, a->missing ? "\n" : "]\n");
		}
		for (const kpi_opt *o = s->opts; o && o->name; o++) {
			bool req = o->flags & KPI_OPT_REQUIRED;
			kpi_buf_printf(b, "%s\\fB\\-\\-", req ? "" : "[");
			man_escape(b, o->name);
			kpi_buf_puts(b, "\\fR");
			if (o->type == KPI_OPT_WEEK) {
				kpi_buf_puts(b, "\\ \\fIYYYY\\-Www\\fR|\\fBlast\\fR|\\fBcurrent\\fR");
			} else if (o->type == KPI_OPT_ENUM) {
				for (size_t i = 0; o->values[i]; i++) {
					kpi_buf_printf(b, "%s\\fB", i ? "|" : "\\ ");
					man_escape(b, o->values[i]);
					kpi_buf_puts(b, "\\fR");
				}
			} else if (o->arg) {
				kpi_buf_puts(b, "\\ \\fI");
				man_escape(b, o->arg);
				kpi_buf_puts(b, "\\fR");
			}
			kpi_buf_puts(b, req ? "\n" : "]\n");
		}
		kpi_buf_puts(b, ".YS\n");
	}
}

/* ".TP" and the tag line of an option: ".BR \-w ", " \-\-week " \fIWEEK\fR"". */
static void man_option_tag(kpi_buf *b, const kpi_opt *o)
{
	kpi_buf_puts(b, ".TP\n");
	if (o->short_name) {
		kpi_buf_printf(b, ".BR \\-%c \", \" \\-\\-", o->short_name);
		man_escape(b, o->name);
		if (o->arg) {
			kpi_buf_puts(b, " \" \\fI");
			man_escape_arg(b, o->arg);
			kpi_buf_puts(b, "\\fR\"");
		}
	} else {
		kpi_buf_puts(b, o->arg ? ".BI \\-\\-" : ".B \\-\\-");
		man_escape(b, o->name);
		if (o->arg) {
			kpi_buf_puts(b, " \" ");
			man_escape_arg(b, o->arg);
			kpi_buf_puts(b, "\"");
		}
	}
	kpi_buf_puts(b, "\n");
}

static void man_options(kpi_buf *b)
{
	kpi_buf_puts(b, "Options that mean the same in every command that takes them:\n"
	                ".TP\n.BR \\-h \", \" \\-\\-help\n"
	                "Print the command's usage, options and exit status, and exit (the same as\n"
	                ".B kpi help\n.IR command ).\n"
	                ".TP\n.BR \\-V \", \" \\-\\-version\n"
	                "Print\n.B kpi\n.I version\nand exit.\n");
	/* options shared by several commands, each once, with the commands' names */
	for (const kpi_cmd_spec *const *c = kpi_commands; *c; c++) {
		for (const kpi_opt *o = (*c)->opts; !(*c)->hidden && o && o->name; o++) {
			const char *sep = "";
			if (sharing(o) < 2 || seen_before(o, *c))
				continue;
			man_option_tag(b, o);
			kpi_buf_puts(b, "(");
			for (const kpi_cmd_spec *const *d = kpi_commands; *d; d++)
				for (const kpi_opt *p = (*d)->opts; !(*d)->hidden && p && p->name; p++)
					if (same_opt(o, p)) {
						kpi_buf_printf(b, "%s\\fB%s\\fR", sep, (*d)->name);
						sep = ", ";
					}
			kpi_buf_puts(b, ") ");
			kpi_opts_describe(b, o, true);
			kpi_buf_puts(b, "\n");
		}
	}
	/* then each command's own */
	for (const kpi_cmd_spec *const *c = kpi_commands; *c; c++) {
		bool head = false;
		for (const kpi_opt *o = (*c)->opts; !(*c)->hidden && o && o->name; o++) {
			if (sharing(o) >= 2)
				continue;
			if (!head)
				kpi_buf_printf(b, ".SS \"kpi %s\"\n", (*c)->name);
			head = true;
			man_option_tag(b, o);
			kpi_opts_describe(b, o, true);
			kpi_buf_puts(b, "\n");
		}
	}
}

static void man_exit(kpi_buf *b, const kpi_exit_info *table, bool named)
{
	for (const kpi_exit_info *e = table; e->name; e++) {
		kpi_buf_printf(b, ".TP\n.B %d\n", e->code);
		if (named)
			kpi_buf_printf(b, "\\fB%s\\fR: ", e->name);
		kpi_doc_text(b, e->summary, true);
		if (e->details) {
			kpi_buf_puts(b, ".\n");
			kpi_doc_text(b, e->details, true);
		}
		kpi_buf_puts(b, "\n");
	}
}

static int man_region(kpi_buf *b, const char *name, kpi_error *err)
{
	if (strcmp(name, "synopsis") == 0)
		man_synopsis(b);
	else if (strcmp(name, "options") == 0)
		man_options(b);
	else if (strcmp(name, "exit-status") == 0)
		man_exit(b, kpi_exit_codes, false);
	else if (strcmp(name, "nagios-status") == 0)
		man_exit(b, kpi_nagios_codes, true);
	else
		return kpi_error_set(err, KPI_EDATA, "unknown generated region '%s'", name);
	return 0;
}

#define BEGIN_MARK ".\\\" BEGIN GENERATED "
#define END_MARK ".\\\" END GENERATED "

/* The page `in` with every generated region rewritten, into `out`. */
static int man_page(kpi_buf *out, const char *in, const char *path, kpi_error *err)
{
	const char *p = in;
	int line = 0;
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) + 1 : strlen(p);
		line++;
		kpi_buf_append(out, p, len);
		if (strncmp(p, BEGIN_MARK, strlen(BEGIN_MARK)) == 0) {
			char name[64];
			const char *end;
			int rc;
			size_t n = strcspn(p + strlen(BEGIN_MARK), " :\n");
			snprintf(name, sizeof(name), "%.*s", (int)n, p + strlen(BEGIN_MARK));
			if ((rc = man_region(out, name, err))) {
				char why[KPI_ERROR_MSG_MAX];
				snprintf(why, sizeof(why), "%s", err->message);
				return kpi_error_set(err, rc, "%s:%d: %s", path, line, why);
			}
			/* skip the old text up to the end marker */
			for (end = eol ? eol + 1 : p + len; *end; end = strchr(end, '\n') ? strchr(end, '\n') + 1 : end + strlen(end)) {
				if (strncmp(end, END_MARK, strlen(END_MARK)) == 0 &&
				    strncmp(end + strlen(END_MARK), name, n) == 0 &&
				    strchr(" \n", end[strlen(END_MARK) + n]))
					break;
			}
			if (!*end)
				return kpi_error_set(err, KPI_EDATA, "%s:%d: no '" END_MARK "%s' after it", path, line, name);
			p = end;
			continue;
		}
		p += len;
	}
	return 0;
}

/* ---- shell completions ---- */

/* What a shell does for an option's argument or a positional argument. */
static const char *opt_action(const kpi_opt *o)
{
	switch (o->type) {
	case KPI_OPT_WEEK: return "week";
	case KPI_OPT_FILE: return "file";
	case KPI_OPT_DIR: return "dir";
	case KPI_OPT_ENUM: return "enum";
	case KPI_OPT_FLAG: return "";
	default: return "text";
	}
}

static void values_list(kpi_buf *b, const char *const *values)
{
	for (size_t i = 0; values && values[i]; i++)
		kpi_buf_printf(b, "%s%s", i ? " " : "", values[i]);
}

static const char *arg_action(const kpi_arg *a)
{
	switch (a->kind) {
	case KPI_ARG_KPI: return "kpi";
	case KPI_ARG_KPI_OR_ALL: return "kpi-or-all";
	case KPI_ARG_ENUM: return "enum";
	case KPI_ARG_DIR: return "dir";
	default: return "file";
	}
}

static void command_names(kpi_buf *b)
{
	const char *sep = "";
	for (const kpi_cmd_spec *const *c = kpi_commands; *c; c++)
		if (!(*c)->hidden) {
			kpi_buf_printf(b, "%s%s", sep, (*c)->name);
			sep = " ";
		}
}

static void gen_bash(kpi_buf *b)
{
	kpi_buf_puts(b, "# bash completion for kpi(1)                              -*- shell-script -*-\n"
	                "# Generated by `kpi __gen bash` from the command tables in tools/ (each\n"
	                "# cmd_*.c's kpi_cmd_spec); do not edit: change the tables and rebuild.\n\n"
	                "_kpi_commands='");
	command_names(b);
	kpi_buf_puts(b, "'\n\n# The long options of command $1.\n_kpi_options()\n{\n    case $1 in\n");
	for (const kpi_cmd_spec *const *c = kpi_commands; *c; c++) {
		if ((*c)->hidden)
			continue;
		kpi_buf_printf(b, "    %s) echo '", (*c)->name);
		for (const kpi_opt *o = (*c)->opts; o && o->name; o++)
			kpi_buf_printf(b, "--%s ", o->name);
		kpi_buf_puts(b, "--help --version' ;;\n");
	}
	kpi_buf_puts(b, "    esac\n}\n\n"
	                "# What the argument of option $2 of command $1 is: nothing for a flag, else\n"
	                "# week, file, dir, text or 'enum VALUE...'.\n_kpi_option_arg()\n{\n    case \"$1 $2\" in\n");
	for (const kpi_cmd_spec *const *c = kpi_commands; *c; c++) {
		for (const kpi_opt *o = (*c)->opts; !(*c)->hidden && o && o->name; o++) {
			if (o->type == KPI_OPT_FLAG)
				continue;
			kpi_buf_printf(b, "    '%s --%s'", (*c)->name, o->name);
			if (o->short_name)
				kpi_buf_printf(b, "|'%s -%c'", (*c)->name, o->short_name);
			kpi_buf_printf(b, ") echo '%s", opt_action(o));
			if (o->type == KPI_OPT_ENUM) {
				kpi_buf_puts(b, " ");
				values_list(b, o->values);
			}
			kpi_buf_puts(b, "' ;;\n");
		}
	}
	kpi_buf_puts(b, "    esac\n}\n\n"
	                "# What positional argument $2 (from 1) of command $1 is.\n_kpi_positional()\n{\n"
	                "    case \"$1 $2\" in\n");
	for (const kpi_cmd_spec *const *c = kpi_commands; *c; c++) {
		int i = 1;
		for (const kpi_arg *a = (*c)->args; !(*c)->hidden && a && a->name; a++, i++) {
			kpi_buf_printf(b, "    '%s %d') echo '%s", (*c)->name, i, arg_action(a));
			if (a->kind == KPI_ARG_ENUM) {
				kpi_buf_puts(b, " ");
				values_list(b, a->values);
			}
			kpi_buf_puts(b, "' ;;\n");
		}
	}
	kpi_buf_puts(
		b,
		"    esac\n}\n\n"
		"# Complete the current word $2 as action $1 says.\n"
		"_kpi_complete_value()\n{\n"
		"    local ids\n"
		"    case $1 in\n"
		"    week) COMPREPLY=($(compgen -W \"last current $(date +%G-W%V 2>/dev/null)\" -- \"$2\")) ;;\n"
		"    enum\\ *) COMPREPLY=($(compgen -W \"${1#enum }\" -- \"$2\")) ;;\n"
		"    file) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- \"$2\")) ;;\n"
		"    dir) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- \"$2\")) ;;\n"
		"    kpi|kpi-or-all)\n"
		"        ids=$(\"$_kpi_bin\" __complete kpis \"${_kpi_config[@]}\" 2>/dev/null)\n"
		"        [[ $1 == kpi-or-all ]] && ids=\"all $ids\"\n"
		"        COMPREPLY=($(compgen -W \"$ids\" -- \"$2\")) ;;\n"
		"    *) COMPREPLY=() ;;\n"
		"    esac\n}\n\n"
		"_kpi()\n{\n"
		"    local cur=${COMP_WORDS[COMP_CWORD]} cmd='' word expect='' only_pos='' npos=0 i=1 action\n"
		"    local _kpi_bin=${COMP_WORDS[0]}\n"
		"    local -a _kpi_config=()\n"
		"    COMPREPLY=()\n"
		"    # the command: the first word that is not an option\n"
		"    for ((; i < COMP_CWORD; i++)); do\n"
		"        [[ ${COMP_WORDS[i]} == -* ]] || { cmd=${COMP_WORDS[i]}; break; }\n"
		"    done\n"
		"    if [[ -z $cmd ]]; then\n"
		"        if [[ $cur == -* ]]; then\n"
		"            COMPREPLY=($(compgen -W '--help --version' -- \"$cur\"))\n"
		"        else\n"
		"            COMPREPLY=($(compgen -W \"$_kpi_commands help\" -- \"$cur\"))\n"
		"        fi\n"
		"        return 0\n"
		"    fi\n"
		"    if [[ $cmd == help ]]; then\n"
		"        ((COMP_CWORD == i + 1)) && COMPREPLY=($(compgen -W \"$_kpi_commands\" -- \"$cur\"))\n"
		"        return 0\n"
		"    fi\n"
		"    # the words between the command and the current one: option arguments\n"
		"    # (--opt ARG, and --opt=ARG, which bash splits at '=') and positionals\n"
		"    for ((i++; i < COMP_CWORD; i++)); do\n"
		"        word=${COMP_WORDS[i]}\n"
		"        if [[ -n $expect ]]; then\n"
		"            [[ $word == = ]] && continue\n"
		"            [[ $expect == --config || $expect == -c ]] && _kpi_config=(--config \"$word\")\n"
		"            expect=''\n"
		"            continue\n"
		"        fi\n"
		"        if [[ -z $only_pos && $word == -- ]]; then\n"
		"            only_pos=1\n"
		"        elif [[ -z $only_pos && $word == -* ]]; then\n"
		"            [[ -n $(_kpi_option_arg \"$cmd\" \"$word\") ]] && expect=$word\n"
		"        else\n"
		"            ((npos++))\n"
		"        fi\n"
		"    done\n"
		"    if [[ -n $expect ]]; then\n"
		"        [[ $cur == = ]] && cur=''\n"
		"        _kpi_complete_value \"$(_kpi_option_arg \"$cmd\" \"$expect\")\" \"$cur\"\n"
		"        return 0\n"
		"    fi\n"
		"    action=$(_kpi_positional \"$cmd\" $((npos + 1)))\n"
		"    if [[ -z $only_pos && ( $cur == -* || -z $action ) ]]; then\n"
		"        COMPREPLY=($(compgen -W \"$(_kpi_options \"$cmd\")\" -- \"$cur\"))\n"
		"        return 0\n"
		"    fi\n"
		"    _kpi_complete_value \"$action\" \"$cur\"\n"
		"    return 0\n"
		"}\n"
		"complete -F _kpi kpi\n");
}

/* A zsh single-quoted word's contents: ' becomes '\'' */
static void zsh_quote(kpi_buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n && s[i]; i++) {
		if (s[i] == '\'')
			kpi_buf_puts(b, "'\\''");
		else if (s[i] != '`')
			kpi_buf_append(b, s + i, 1);
	}
}

/* An _arguments explanation: the help up to its first ':', ';' or " (",
 * with brackets and colons escaped. */
static void zsh_explanation(kpi_buf *b, const char *help)
{
	size_t n = strcspn(help, ":;[]");
	const char *paren = strstr(help, " (");
	if (paren && (size_t)(paren - help) < n)
		n = (size_t)(paren - help);
	kpi_buf_puts(b, "[");
	zsh_quote(b, help, n);
	kpi_buf_puts(b, "]");
}

static void zsh_action(kpi_buf *b, const char *what, const char *action, const char *const *values)
{
	kpi_buf_printf(b, ":%s:", what);
	if (strcmp(action, "week") == 0)
		kpi_buf_puts(b, "_kpi_weeks");
	else if (strcmp(action, "file") == 0)
		kpi_buf_puts(b, "_files");
	else if (strcmp(action, "dir") == 0)
		kpi_buf_puts(b, "_files -/");
	else if (strcmp(action, "kpi") == 0)
		kpi_buf_puts(b, "_kpi_kpis");
	else if (strcmp(action, "kpi-or-all") == 0)
		kpi_buf_puts(b, "_kpi_kpis_or_all");
	else if (strcmp(action, "enum") == 0) {
		kpi_buf_puts(b, "(");
		values_list(b, values);
		kpi_buf_puts(b, ")");
	} else
		kpi_buf_puts(b, " ");
}

static void gen_zsh(kpi_buf *b)
{
	kpi_buf_puts(b,
	             "#compdef kpi\n"
	             "# zsh completion for kpi(1). Generated by `kpi __gen zsh` from the command\n"
	             "# tables in tools/ (each cmd_*.c's kpi_cmd_spec); do not edit: change the\n"
	             "# tables and rebuild.\n\n"
	             "# KPI ids from the catalogue, as `kpi list` has them (with the line's --config),\n"
	             "# and $1 when not empty (\"all\"); the rest are _arguments' options for compadd.\n"
	             "_kpi_ids() {\n"
	             "  local extra=$1 i\n"
	             "  local -a ids cfg\n"
	             "  shift\n"
	             "  i=${words[(I)--config|-c]}\n"
	             "  (( i )) && cfg=(--config ${(Q)words[i+1]})\n"
	             "  ids=(${(f)\"$(_call_program kpis ${(q)_kpi_bin} __complete kpis ${(q)cfg} 2>/dev/null)\"} $extra)\n"
	             "  _wanted kpis expl 'KPI' compadd \"$@\" -a - ids\n"
	             "}\n"
	             "_kpi_kpis() { _kpi_ids '' \"$@\" }\n"
	             "_kpi_kpis_or_all() { _kpi_ids all \"$@\" }\n\n"
	             "_kpi_weeks() {\n"
	             "  local -a weeks\n"
	             "  weeks=(last current $(date +%G-W%V 2>/dev/null))\n"
	             "  _wanted weeks expl 'week (YYYY-Www, last or current)' compadd \"$@\" -a - weeks\n"
	             "}\n\n"
	             "_kpi() {\n"
	             "  local curcontext=$curcontext state state_descr line ret=1 _kpi_bin=${words[1]}\n"
	             "  local -a cmds\n"
	             "  typeset -A opt_args\n"
	             "  _arguments -C \\\n"
	             "    '(- *)'{-h,--help}'[show the help and exit]' \\\n"
	             "    '(- *)'{-V,--version}'[print the version and exit]' \\\n"
	             "    '1: :->command' \\\n"
	             "    '*:: :->args' && ret=0\n"
	             "  case $state in\n"
	             "  command)\n"
	             "    cmds=(\n");
	for (const kpi_cmd_spec *const *c = kpi_commands; *c; c++) {
		if ((*c)->hidden)
			continue;
		kpi_buf_printf(b, "      '%s:", (*c)->name);
		zsh_quote(b, (*c)->summary, strlen((*c)->summary));
		kpi_buf_puts(b, "'\n");
	}
	kpi_buf_puts(b, "      'help:show the help of a command'\n"
	                "    )\n"
	                "    _describe -t commands 'kpi command' cmds && ret=0\n"
	                "    ;;\n"
	                "  args)\n"
	                "    curcontext=${curcontext%:*:*}:kpi-$words[1]:\n"
	                "    case $words[1] in\n"
	                "    help) _arguments '1:command:(");
	command_names(b);
	kpi_buf_puts(b, ")' && ret=0 ;;\n");
	for (const kpi_cmd_spec *const *c = kpi_commands; *c; c++) {
		int i = 1;
		if ((*c)->hidden)
			continue;
		kpi_buf_printf(b, "    %s)\n      _arguments -S \\\n"
		                  "        '(- *)'{-h,--help}'[show the help and exit]' \\\n"
		                  "        '(- *)'{-V,--version}'[print the version and exit]' \\\n",
		               (*c)->name);
		for (const kpi_opt *o = (*c)->opts; o && o->name; o++) {
			kpi_buf_puts(b, "        ");
			if (o->short_name)
				kpi_buf_printf(b, "'(-%c --%s)'{-%c%s,--%s%s}'", o->short_name, o->name, o->short_name,
				               o->arg ? "+" : "", o->name, o->arg ? "=" : "");
			else
				kpi_buf_printf(b, "'--%s%s", o->name, o->arg ? "=" : "");
			zsh_explanation(b, o->help);
			if (o->arg)
				zsh_action(b, o->arg, opt_action(o), o->values);
			kpi_buf_puts(b, "' \\\n");
		}
		for (const kpi_arg *a = (*c)->args; a && a->name; a++, i++) {
			/* "1:KPI:action", or "1::DATASET:action" when optional */
			kpi_buf_printf(b, "        '%d%s", i, a->missing ? "" : ":");
			zsh_action(b, a->name, arg_action(a), a->values);
			kpi_buf_puts(b, "' \\\n");
		}
		kpi_buf_puts(b, "        && ret=0\n      ;;\n");
	}
	kpi_buf_puts(b, "    esac\n"
	                "    ;;\n"
	                "  esac\n"
	                "  return ret\n"
	                "}\n\n"
	                "_kpi \"$@\"\n");
}

/* ---- the commands ---- */

static int write_out(const char *path, kpi_buf *b)
{
	char tmp[4096];
	FILE *f;
	bool ok;
	if (!path || strcmp(path, "-") == 0)
		return kpi_write_stdout(b);
	/* beside the target and renamed over it: never a half-written page */
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "wb");
	ok = f && (!b->len || fwrite(b->data, 1, b->len, f) == b->len);
	if (f && fclose(f) != 0)
		ok = false;
	if (!ok || rename(tmp, path) != 0) {
		fprintf(stderr, "kpi: cannot write '%s': %s\n", path, strerror(errno));
		if (f)
			remove(tmp);
		return KPI_EXIT_IO;
	}
	return 0;
}

static char *read_in(const char *path)
{
	kpi_buf b = KPI_BUF_INIT;
	char chunk[8192];
	size_t n;
	FILE *f = path ? fopen(path, "rb") : stdin;
	if (!f) {
		fprintf(stderr, "kpi: cannot open '%s': %s\n", path, strerror(errno));
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		kpi_buf_append(&b, chunk, n);
	if (path)
		fclose(f);
	kpi_buf_puts(&b, "");
	return b.data;
}

typedef struct gen_args {
	const char *what, *in, *out;
} gen_args;

static const kpi_opt gen_opts[] = {
	KPI_FILE("in", 'i', "FILE", gen_args, in, "man: the page to rewrite (default: standard input)"),
	KPI_FILE("out", 'o', "FILE", gen_args, out, "where to write, atomically (default: standard output)"),
	KPI_OPT_END,
};

static const char *const gen_whats[] = { "man", "bash", "zsh", NULL };

static const kpi_arg gen_args_[] = {
	{ "WHAT", KPI_ARG_ENUM, offsetof(gen_args, what), gen_whats, "output",
	  "name what to generate: man, bash or zsh" },
	KPI_ARG_END,
};

const kpi_cmd_spec kpi_cmd_gen = {
	"__gen", cmd_gen, "generate the man page's sections or a shell completion from the command tables",
	"Write the man page with its generated regions (SYNOPSIS, OPTIONS, EXIT STATUS)\n"
	"rewritten from the command tables, or the bash or zsh completion script.\n"
	"For the build: cmake --build build --target man.",
	gen_opts, gen_args_, false, true,
};

int cmd_gen(int argc, char **argv)
{
	gen_args a;
	kpi_buf out = KPI_BUF_INIT;
	kpi_error err = KPI_ERROR_INIT;
	int rc;

	if ((rc = kpi_opts_parse(&kpi_cmd_gen, argc, argv, &a)))
		return rc > 0 ? KPI_EXIT_OK : KPI_EXIT_USAGE;
	if (strcmp(a.what, "man") == 0) {
		char *page = read_in(a.in);
		if (!page)
			return KPI_EXIT_IO;
		rc = man_page(&out, page, a.in ? a.in : "(stdin)", &err);
		free(page);
		if (rc) {
			kpi_buf_release(&out);
			return kpi_fail(&err);
		}
	} else if (strcmp(a.what, "bash") == 0) {
		gen_bash(&out);
	} else {
		gen_zsh(&out);
	}
	rc = write_out(a.out, &out);
	kpi_buf_release(&out);
	return rc;
}

typedef struct complete_args {
	const char *what, *config;
} complete_args;

static const kpi_opt complete_opts[] = {
	KPI_OPT_CONFIG(complete_args, config),
	KPI_OPT_END,
};

static const char *const complete_whats[] = { "kpis", NULL };

static const kpi_arg complete_args_[] = {
	{ "WHAT", KPI_ARG_ENUM, offsetof(complete_args, what), complete_whats, "list", "name what to list: kpis" },
	KPI_ARG_END,
};

const kpi_cmd_spec kpi_cmd_complete = {
	"__complete", cmd_complete, "words for the shell completions",
	"Print the KPI ids of the catalogue (after the config's overrides), one a line.",
	complete_opts, complete_args_, false, true,
};

int cmd_complete(int argc, char **argv)
{
	complete_args a;
	kpi_config *cfg;
	kpi_catalog *cat;
	kpi_buf out = KPI_BUF_INIT;
	int rc;

	if ((rc = kpi_opts_parse(&kpi_cmd_complete, argc, argv, &a)))
		return rc > 0 ? KPI_EXIT_OK : KPI_EXIT_USAGE;
	if ((rc = kpi_load_setup(&cfg, &cat, a.config, NULL)))
		return rc;
	for (size_t i = 0; i < cat->nkpis; i++)
		kpi_buf_printf(&out, "%s\n", cat->kpis[i].id);
	rc = kpi_write_stdout(&out);
	kpi_buf_release(&out);
	kpi_catalog_free(cat);
	kpi_config_free(cfg);
	return rc;
}
