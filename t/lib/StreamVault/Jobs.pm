package StreamVault::Jobs;

# Drives the worker's job queue from a test as external programs do: a
# worker started on the stack, jobs injected with redis-cli onto
# streamvault:inbox, their state read back from PostgreSQL.

use strict;
use warnings;

use JSON::PP ();
use Test::More ();
use StreamVault::Test qw(slurp wait_for);

my $json = JSON::PP->new->utf8->canonical;

# Starts the (sanitizer) worker on $stack and waits until it took Redis.
sub new {
    my ($class, $stack) = @_;
    my $dir = $stack->dir;
    my $self = bless { stack => $stack, n => 0 }, $class;
    my $conf = $stack->worker_conf(log_file => "$dir/log/worker.log");
    $self->{worker} = $stack->spawn_worker('-c', $conf);
    Test::More::ok(wait_for(sub { (slurp("$dir/log/worker.log") // '') =~ /connected to Redis/ }, 20),
                   'the worker started');
    return $self;
}

sub worker { $_[0]{worker} }

# Pushes a job (ids are numbered, so a test can name them); returns its id.
sub inject {
    my ($self, $type, $payload, %job) = @_;
    my $id = sprintf('00000000-0000-4000-8000-%012d', ++$self->{n});
    $self->{stack}->redis('LPUSH', 'streamvault:inbox',
                          $json->encode({ v => 1, type => $type, id => $id, payload => $payload, %job }));
    return $id;
}

sub state { $_[0]{stack}->psql("SELECT state FROM jobs WHERE id = '$_[1]'") }
sub error { $_[0]{stack}->psql("SELECT last_error FROM jobs WHERE id = '$_[1]'") }

sub wait_state {
    my ($self, $id, $state, $seconds) = @_;
    return wait_for(sub { $self->state($id) eq $state }, $seconds // 90);
}

# The injected @$ids were refused: each on streamvault:rejected with the
# reason its @$attacks entry expects (its last element, a regex), none a
# job.
sub check_rejected {
    my ($self, $attacks, $ids) = @_;
    my $stack = $self->{stack};
    Test::More::ok(wait_for(sub { $stack->redis('LLEN', 'streamvault:rejected') == @$attacks }, 15),
                   scalar(@$attacks) . ' bad payloads are rejected');
    # the raw item comes back as characters inside the rejection's JSON
    my %reason = map { my $e = JSON::PP::decode_json($_); (JSON::PP->new->decode($e->{raw})->{id} => $e->{reason}) }
                 split /\n/, $stack->redis('LRANGE', 'streamvault:rejected', 0, -1);
    Test::More::like($reason{ $ids->[$_] } // '', $attacks->[$_][-1],
                     'rejected with a reason: ' . ($reason{ $ids->[$_] } // ''))
        for 0 .. $#$attacks;
    Test::More::is($stack->psql("SELECT count(*) FROM jobs WHERE id IN ('" . join("','", @$ids) . "')"), 0,
                   'none of them became a job');
}

1;
