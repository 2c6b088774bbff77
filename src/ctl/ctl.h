/*
 * ctl.h - ferryctl subcommands. ferryctl.c parses global options and
 * dispatches to one of these; each lives in its own file under src/ctl/.
 *
 * Every entry point gets argv starting at the subcommand name and returns the
 * process exit code (0 ok, 1 failure / not ready / not verified, 2 usage,
 * 3 ferryd unreachable for the commands that need it).
 */
#ifndef FERRY_CTL_CTL_H
#define FERRY_CTL_CTL_H

#define CTL_EXIT_UNREACHABLE 3

struct ctl_globals {
	const char *state_dir;       /* --state-dir, default /var/lib/ferry */
	const char *config_dir;      /* --config-dir, default /etc/ferry */
	const char *control_socket;  /* --control-socket, default /run/ferry/ferryd.sock */
	const char *output;          /* -o: table | json | yaml */
};

int ctl_check_main(const struct ctl_globals *g, int argc, char **argv);
int ctl_get_main(const struct ctl_globals *g, int argc, char **argv);
int ctl_verify_main(const struct ctl_globals *g, int argc, char **argv);
int ctl_describe_main(const struct ctl_globals *g, int argc, char **argv);
int ctl_reconcile_main(const struct ctl_globals *g, int argc, char **argv);
int ctl_suspend_main(const struct ctl_globals *g, int argc, char **argv);
int ctl_resume_main(const struct ctl_globals *g, int argc, char **argv);

#endif
