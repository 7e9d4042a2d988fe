package StreamVault::Test;

# The test harness: a private stack per test file (PostgreSQL, Redis, nginx
# with the module, the worker) under build/t/tmp, started by the same
# scripts/stack as `make run`, on loopback with a random port. Every test file
# is bounded in time, and its stack is stopped when the file ends, however it
# ends (done, died, timed out, interrupted). Sanitizer reports of the worker
# fail the file.

use strict;
use warnings;

use Cwd qw(abs_path);
use Exporter qw(import);
use File::Basename qw(basename dirname);
use File::Path qw(make_path remove_tree);
use File::Temp qw(tempdir);
use HTTP::Tiny;
use IO::Socket::INET;
use POSIX qw(WNOHANG);
use Test::More ();
use Time::HiRes qw(sleep time);

our @EXPORT_OK = qw(
    top_dir build_dir start_stack stack_object run_unit_binary run_cmd free_port wait_for
    slurp spurt http worker_bin test_dir alive
);

my $top = abs_path(dirname(__FILE__) . '/../../..');
my @stacks;
my @children;
my @dirs;

sub top_dir   { $top }
sub build_dir { $ENV{SV_BUILD} // "$top/build" }

# The worker the tests run: the ASan/UBSan build where it exists.
sub worker_bin {
    return $ENV{SV_WORKER_BIN} if $ENV{SV_WORKER_BIN};
    my $san = build_dir() . '/san/streamvault-worker';
    return -x $san ? $san : build_dir() . '/streamvault-worker';
}

# Sanitizer reports go to files the harness checks when the file ends.
sub sanitizer_env {
    my ($logdir) = @_;
    return (
        ASAN_OPTIONS  => "log_path=$logdir/asan:detect_leaks=1:abort_on_error=0",
        UBSAN_OPTIONS => "log_path=$logdir/ubsan:print_stacktrace=1:halt_on_error=1",
    );
}

# --- bounds ---------------------------------------------------------------------

my $timeout = $ENV{SV_TEST_TIMEOUT} || 240;
$SIG{ALRM} = sub { die "test file timed out after ${timeout}s\n" };
alarm $timeout;
$SIG{INT} = $SIG{TERM} = sub { die "interrupted\n" };

# --- small helpers ----------------------------------------------------------------

sub slurp {
    my ($path) = @_;
    open my $fh, '<', $path or return undef;
    local $/;
    return scalar <$fh>;
}

sub spurt {
    my ($path, $text, $mode) = @_;
    open my $fh, '>', $path or die "cannot write $path: $!";
    print {$fh} $text;
    close $fh or die "cannot write $path: $!";
    chmod $mode, $path if defined $mode;
}

# A zombie is not alive: PID 1 may not reap daemons that exited.
sub alive {
    my ($pid) = @_;
    return 0 unless $pid && kill 0, $pid;
    my $stat = slurp("/proc/$pid/stat") // return 0;
    return $stat !~ /^\d+ \(.*\) Z/s;
}

sub free_port {
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                  Proto => 'tcp', Listen => 1, ReuseAddr => 1)
        or die "no free port: $!";
    my $port = $s->sockport;
    close $s;
    return $port;
}

# Polls $cond every 50 ms for up to $seconds; returns its last value.
sub wait_for {
    my ($cond, $seconds) = @_;
    my $deadline = time + ($seconds // 10);
    while (1) {
        my $v = $cond->();
        return $v if $v || time > $deadline;
        sleep 0.05;
    }
}

sub test_dir {
    my ($name) = @_;
    my $root = $ENV{SV_TEST_TMP} // build_dir() . '/t/tmp';
    # Unix socket paths must stay short.
    $root = '/tmp/streamvault-t' if length($root) > 50;
    make_path($root);
    $name //= basename($0) =~ s/\.\w+$//r;
    $name =~ s/[^A-Za-z0-9_-]/_/g;
    my $dir = tempdir("$name-XXXXXX", DIR => $root);
    push @dirs, $dir;
    return $dir;
}

# Runs @cmd with a time bound; returns { status, out, err } where status is
# the exit code (or 128 + signal).
sub run_cmd {
    my ($cmd, %o) = @_;
    my $dir = tempdir(CLEANUP => 1);
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        %ENV = (%ENV, %{ $o{env} // {} });
        open STDIN, '<', ($o{stdin} // '/dev/null');
        open STDOUT, '>', "$dir/out";
        open STDERR, '>', "$dir/err";
        exec @$cmd or die "exec $cmd->[0]: $!";
    }
    my $deadline = time + ($o{timeout} // 60);
    my $done;
    while (!($done = waitpid($pid, WNOHANG))) {
        if (time > $deadline) {
            kill 'KILL', $pid;
            waitpid($pid, 0);
            die "timed out: @$cmd\n";
        }
        sleep 0.02;
    }
    my $st = $?;
    return {
        status => ($st & 127) ? 128 + ($st & 127) : $st >> 8,
        out    => slurp("$dir/out") // '',
        err    => slurp("$dir/err") // '',
    };
}

sub http { HTTP::Tiny->new(timeout => 10, max_redirect => 0) }

# Runs a C unit test built with the sanitizers; it prints its own TAP.
sub run_unit_binary {
    my ($name) = @_;
    my $bin = build_dir() . "/san/t/$name";
    -x $bin or die "$bin is not built: run make san\n";
    alarm 0;
    exec { $bin } $bin;
    die "exec $bin: $!";
}

# --- the stack ------------------------------------------------------------------

# start_stack(only => 'pg redis', port => N, env => {...}, nginx_http => '...',
#             timeout => seconds for the whole file)
sub start_stack {
    my (%o) = @_;
    alarm $o{timeout} if $o{timeout};    # a slower file's own bound
    my $self = stack_object(%o);
    $self->start;
    return $self;
}

# A stack in a fresh directory that something else starts (make run); it is
# stopped and checked when the file ends all the same.
sub stack_object {
    my (%o) = @_;
    my $dir = test_dir($o{name});
    my $port = $o{port} // free_port();
    my %env = (
        SV_PG_TEMPLATE   => build_dir() . '/t/pg-template',
        SV_WORKER_BIN    => worker_bin(),
        SV_NGINX_WORKERS => 1,
        sanitizer_env("$dir/log"),
        %{ $o{env} // {} },
    );
    my $self = bless { dir => $dir, port => $port, env => \%env,
                       only => $o{only} // 'pg redis nginx worker' },
                     'StreamVault::Test::Stack';
    push @stacks, $self;
    if (defined $o{nginx_http}) {
        # http-level directives for this stack's nginx (scripts/stack
        # includes nginx/extra/*.conf)
        make_path("$dir/nginx/extra");
        spurt("$dir/nginx/extra/test.conf", $o{nginx_http});
    }
    return $self;
}

END {
    my $status = $?;
    alarm 0;
    for my $pid (@children) {
        next unless alive($pid);
        kill 'KILL', $pid;
        waitpid($pid, 0);
    }
    for my $stack (@stacks) {
        $stack->stop;
        my @reports = glob("$stack->{dir}/log/asan.* $stack->{dir}/log/ubsan.*");
        for my $report (@reports) {
            Test::More::diag("sanitizer report $report:\n" . (slurp($report) // ''));
            $status ||= 1;
        }
        # nginx under valgrind (SV_NGINX_VALGRIND): its report, once stopped
        my $valgrind = slurp("$stack->{dir}/log/nginx-valgrind.txt");
        if (defined $valgrind && $valgrind !~ /ERROR SUMMARY: 0 errors/) {
            Test::More::diag("valgrind report of nginx:\n$valgrind");
            $status ||= 1;
        }
    }
    for my $dir (@dirs) {
        if ($status == 0 && Test::More->builder->is_passing && !$ENV{SV_KEEP_TMP}) {
            remove_tree($dir);
        } else {
            Test::More::diag("test files kept in $dir");
        }
    }
    $? = $status;
}

sub track_child { push @children, $_[0] }

# Stops a forked server child: TERM, KILL after 5 s; true when it exited
# cleanly (or was reaped elsewhere).
sub stop_server {
    my ($pid) = @_;
    kill 'TERM', $pid;
    my $deadline = time + 5;
    while (time < $deadline) {
        my $done = waitpid($pid, WNOHANG);
        return $? == 0 if $done == $pid;
        return 1 if $done < 0;
        sleep 0.02;
    }
    kill 'KILL', $pid;
    waitpid($pid, 0);
    return 0;
}

# In a forked server child (a fake of the tests): none of the test's alarm,
# SIGPIPE ignored, stdio to the log file; TERM or INT set the flag whose
# reference is returned.
sub server_child {
    my ($log) = @_;
    $SIG{ALRM} = 'DEFAULT';
    alarm 0;
    my $stop = 0;
    $SIG{TERM} = $SIG{INT} = sub { $stop = 1 };
    $SIG{PIPE} = 'IGNORE';
    open STDIN, '<', '/dev/null';
    open STDOUT, '>>', $log;
    open STDERR, '>&', \*STDOUT;
    STDOUT->autoflush(1);
    return \$stop;
}

package StreamVault::Test::Stack;

use strict;
use warnings;

use JSON::PP ();
use Time::HiRes qw(sleep time);

sub dir  { $_[0]{dir} }
sub port { $_[0]{port} }
sub url  { "http://127.0.0.1:$_[0]{port}" }
sub env  { $_[0]{env} }
sub pg_socket    { "$_[0]{dir}/run" }
sub redis_socket { "$_[0]{dir}/run/redis.sock" }

sub start {
    my ($self) = @_;
    my $r = StreamVault::Test::run_cmd(
        [ StreamVault::Test::top_dir() . '/scripts/stack', 'start', $self->{dir},
          '--port', $self->{port}, '--only', $self->{only}, '--fast' ],
        env => $self->{env}, timeout => 120);
    die "stack did not start:\n$r->{out}$r->{err}" if $r->{status};
    return $r;
}

# Starts components again (after a test stopped one of them).
sub start_components {
    my ($self, $only) = @_;
    local $self->{only} = $only;
    return $self->start;
}

sub stop {
    my ($self) = @_;
    my $r = StreamVault::Test::run_cmd(
        [ StreamVault::Test::top_dir() . '/scripts/stack', 'stop', $self->{dir} ],
        timeout => 90);
    warn "stack stop: $r->{out}$r->{err}" if $r->{status};
    return $r;
}

sub log_text {
    my ($self, $name) = @_;
    return StreamVault::Test::slurp("$self->{dir}/log/$name") // '';
}

sub pid {
    my ($self, $what) = @_;
    my %file = (worker => 'worker.pid', nginx => 'nginx/nginx.pid',
                redis => 'redis/redis.pid', pg => 'pg/data/postmaster.pid');
    my $text = StreamVault::Test::slurp("$self->{dir}/$file{$what}") // return undef;
    my ($pid) = $text =~ /^(\d+)/;
    return $pid;
}

sub psql {
    my ($self, $sql) = @_;
    my $r = StreamVault::Test::run_cmd(
        [ 'psql', '-XAtq', '-v', 'ON_ERROR_STOP=1', '-h', $self->pg_socket,
          '-U', 'streamvault', '-d', 'streamvault', '-c', $sql ], timeout => 30);
    die "psql failed: $r->{err}" if $r->{status};
    chomp(my $out = $r->{out});
    return $out;
}

sub redis {
    my ($self, @args) = @_;
    my $r = StreamVault::Test::run_cmd(['redis-cli', '-s', $self->redis_socket, @args],
                                       timeout => 30);
    die "redis-cli failed: $r->{err}" if $r->{status};
    chomp(my $out = $r->{out});
    return $out;
}

# The first admin's password, as the worker wrote it.
sub admin_password {
    my ($self) = @_;
    my $text = StreamVault::Test::slurp("$self->{dir}/initial-admin.txt") // die 'no admin file';
    return (split ' ', $text)[1];
}

# Calls the API. Options: json => data (sent as the body), body => raw text,
# as => a session from login() (cookie + CSRF header), token => a bearer
# token, csrf => 0 to leave the CSRF header out, headers => {...}.
# Returns { status, json (decoded, or undef), content, headers }.
sub api {
    my ($self, $method, $path, %o) = @_;
    my %headers = %{ $o{headers} // {} };
    if (exists $o{json}) {
        $headers{'Content-Type'} //= 'application/json';
        $o{body} = JSON::PP->new->utf8->canonical->encode($o{json});
    }
    if (my $s = $o{as}) {
        $headers{Cookie} = "sv_session=$s->{session}; sv_csrf=$s->{csrf}";
        $headers{'X-CSRF-Token'} = $s->{csrf} unless defined $o{csrf} && !$o{csrf};
    }
    $headers{Authorization} = "Bearer $o{token}" if $o{token};
    my $res = StreamVault::Test::http()->request($method, $self->url . $path, {
        headers => \%headers, (defined $o{body} ? (content => $o{body}) : ()) });
    my $json = eval { JSON::PP::decode_json($res->{content}) };
    return { status => $res->{status}, json => $json, content => $res->{content},
             headers => $res->{headers} };
}

# Logs in; returns { session, csrf, status, json, cookies => [Set-Cookie...] }.
sub login {
    my ($self, $user, $password) = @_;
    my $r = $self->api('POST', '/api/auth/login', json => { username => $user, password => $password });
    my $set = $r->{headers}{'set-cookie'} // [];
    $set = [$set] unless ref $set;
    my %cookie = map { /^(sv_\w+)=([^;]*)/ ? ($1 => $2) : () } @$set;
    return { %$r, session => $cookie{sv_session}, csrf => $cookie{sv_csrf}, cookies => $set };
}

sub get {
    my ($self, $path, $headers) = @_;
    return StreamVault::Test::http()->get($self->url . $path, { headers => $headers // {} });
}

sub request {
    my ($self, $method, $path, $opts) = @_;
    return StreamVault::Test::http()->request($method, $self->url . $path, $opts // {});
}

# Writes a worker config for this stack (the template of scripts/stack) with
# lines appended, and returns its path.
sub worker_conf {
    my ($self, %o) = @_;
    my $path = "$self->{dir}/" . ($o{file} // 'test-worker.conf');
    my $r = StreamVault::Test::run_cmd([
        StreamVault::Test::top_dir() . '/scripts/render-conf',
        StreamVault::Test::top_dir() . '/conf/worker.conf.in',
        "PG_CONNINFO=host=$self->{dir}/run user=streamvault dbname=streamvault",
        "REDIS=unix:" . $self->redis_socket,
        "MEDIA_ROOT=$self->{dir}/media",
        'SQL_DIR=' . ($o{sql_dir} // StreamVault::Test::top_dir() . '/sql'),
        'LOG_FILE=' . ($o{log_file} // "$self->{dir}/log/test-worker.log"),
        "SECRET_FILE=$self->{dir}/secret",
    ]);
    die "render-conf: $r->{err}" if $r->{status};
    StreamVault::Test::spurt($path, $r->{out} . ($o{extra} // ''));
    return $path;
}

# Starts the worker as a child of the test (so its exit status can be read),
# with the sanitizer environment; returns the pid.
sub spawn_worker {
    my ($self, @args) = @_;
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        %ENV = (%ENV, StreamVault::Test::sanitizer_env("$self->{dir}/log"));
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', "$self->{dir}/log/spawned-worker.out";
        open STDERR, '>&', \*STDOUT;
        exec StreamVault::Test::worker_bin(), @args or die "exec: $!";
    }
    StreamVault::Test::track_child($pid);
    return $pid;
}

# Waits for child $pid; returns its exit code, or undef after $seconds.
sub reap {
    my ($self, $pid, $seconds) = @_;
    my $deadline = time + ($seconds // 10);
    while (time < $deadline) {
        my $done = waitpid($pid, POSIX::WNOHANG());
        if ($done == $pid) {
            return ($? & 127) ? 128 + ($? & 127) : $? >> 8;
        }
        sleep 0.02;
    }
    return undef;
}

1;
