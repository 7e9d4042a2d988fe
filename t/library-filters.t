# The library's category filter through nginx: GET /api/recordings?category=
# matches the category a recording's stream started with or changed to, in
# any case, and every item lists its stream's categories; GET
# /api/recordings/categories counts the recordings per category under the
# list's other filters. Bad values are 400 like every query parameter.
# Real PostgreSQL, Redis, nginx and the sanitizer worker (which migrates).
use strict;
use warnings;
use utf8;
use lib 't/lib';
use Test::More;
use Encode qw(encode_utf8);
use URI::Escape qw(uri_escape_utf8);
use StreamVault::Test qw(start_stack wait_for);

my $stack = start_stack();
my $admin = $stack->login('admin', $stack->admin_password);
is($admin->{status}, 200, 'logged in') or BAIL_OUT('no session');

sub sql_text { my $s = shift; $s =~ s/'/''/g; "'$s'" }
sub psql { $stack->psql(encode_utf8($_[0])) }

# alice streamed "Just Chatting", then Celeste (spelled twice) in two parts;
# then Pokémon; bob Celeste; one recording has no stream, one is deleted.
my ($alice, $bob) = split /\n/, psql(q{INSERT INTO streamers (platform, twitch_id, login)
    VALUES ('twitch', '101', 'alice'), ('twitch', '102', 'bob') RETURNING id});
sub stream {
    my ($streamer, $id, $category, $at, @changes) = @_;
    my $s = psql(sprintf(q{INSERT INTO streams (streamer_id, twitch_stream_id, category_name, started_at)
                           VALUES (%d, '%s', %s, '%s') RETURNING id},
                         $streamer, $id, defined $category ? sql_text($category) : 'NULL', $at));
    for my $c (@changes) {
        psql(sprintf(q{INSERT INTO stream_events (stream_id, kind, category_name, occurred_at)
                       VALUES (%d, 'update', %s, '%s')}, $s, sql_text($c->[0]), $c->[1]));
    }
    return $s;
}
my $s1 = stream($alice, '1', 'Just Chatting', '2026-01-01 10:00+00',
                ['Celeste', '2026-01-01 11:00+00'], ['celeste', '2026-01-01 12:00+00']);
my $s2 = stream($bob, '2', 'Celeste', '2026-01-02 10:00+00');
my $s3 = stream($alice, '3', undef, '2026-01-03 10:00+00', ['Pokémon Scarlet', '2026-01-03 10:05+00']);
sub recording {
    my ($streamer, $stream, $title, $at, $state) = @_;
    return psql(sprintf(q{INSERT INTO recordings (streamer_id, stream_id, state, title, started_at)
                          VALUES (%s, %s, '%s', '%s', '%s') RETURNING id},
                        $streamer // 'NULL', $stream // 'NULL', $state // 'ready', $title, $at));
}
recording($alice, $s1, 'chat and climb', '2026-01-01 10:00+00');
recording($alice, $s1, 'chat and climb, part 2', '2026-01-01 12:30+00');
recording($bob, $s2, 'bob climbs', '2026-01-02 10:00+00');
recording($alice, $s3, 'catching', '2026-01-03 10:00+00');
recording(undef, undef, 'an upload', '2026-01-04 10:00+00');
recording($bob, $s2, 'gone', '2026-01-02 11:00+00', 'deleted');

sub get_ok {
    my ($path) = @_;
    my $r = $stack->api('GET', $path, as => $admin);
    is($r->{status}, 200, "GET $path") or diag($r->{content});
    return $r->{json} // {};
}
sub titles { [map { $_->{title} } @{ $_[0]{items} // [] }] }
sub list { titles(get_ok('/api/recordings?category=' . uri_escape_utf8($_[0]))) }

# --- the filter ---------------------------------------------------------------------

is_deeply(list('Celeste'), ['bob climbs', 'chat and climb, part 2', 'chat and climb'],
          'category: the stream started with it or changed to it; deleted ones left out');
is_deeply(list('cElEsTe'), list('Celeste'), 'in any case');
is_deeply(list('just chatting'), ['chat and climb, part 2', 'chat and climb'], 'the category a stream started with');
is_deeply(list('POKÉMON SCARLET'), ['catching'], 'in any case beyond ASCII');
is_deeply(list('Celes'), [], 'a whole name, not a part');
is_deeply(list("'; DROP TABLE recordings; --"), [], 'anything else matches nothing');
is_deeply(titles(get_ok('/api/recordings?category=celeste&streamer_id=' . $bob)), ['bob climbs'],
          'with the other filters');
is_deeply(titles(get_ok('/api/recordings?category=celeste&state=deleted')), ['gone'],
          'deleted ones when asked for');
is(get_ok('/api/recordings?category=celeste&limit=1')->{total}, 3, 'the total counts them all');
is_deeply(titles(get_ok('/api/recordings?category=')), titles(get_ok('/api/recordings')), 'empty: no filter');

my %cats = map { $_->{title} => $_->{categories} } @{ get_ok('/api/recordings')->{items} };
is_deeply(\%cats, { 'chat and climb' => ['Just Chatting', 'Celeste'], 'chat and climb, part 2' => ['Just Chatting', 'Celeste'],
                    'bob climbs' => ['Celeste'], 'catching' => ['Pokémon Scarlet'], 'an upload' => [] },
          "every item lists its stream's categories, in order, each once in any case");

for my $case (['201 characters', 'x' x 201], ['a control character', "Celeste\x01"], ['a newline', "a\nb"]) {
    my $r = $stack->api('GET', '/api/recordings?category=' . uri_escape_utf8($case->[1]), as => $admin);
    is($r->{status}, 400, "category with $case->[0]: 400");
    is($r->{json}{error}{code}, 'bad_request', 'bad_request') or diag($r->{content});
}
is(scalar @{ list('x' x 200) }, 0, '200 characters are taken');
is($stack->api('GET', '/api/recordings?category=%FF%FE', as => $admin)->{status}, 400, 'not UTF-8: 400');

# --- the categories -----------------------------------------------------------------

my $c = get_ok('/api/recordings/categories');
is_deeply($c->{items}, [{ name => 'Celeste', count => 3 }, { name => 'Just Chatting', count => 2 },
                        { name => 'Pokémon Scarlet', count => 1 }],
          'the categories, the most recorded first, each recording counted once');
is_deeply([@$c{qw(total limit offset)}], [3, 50, 0], 'a list: total, limit, offset');
is_deeply(get_ok('/api/recordings/categories?limit=1&offset=1')->{items}, [{ name => 'Just Chatting', count => 2 }],
          'paged');
is_deeply(get_ok("/api/recordings/categories?streamer_id=$bob")->{items}, [{ name => 'Celeste', count => 1 }],
          "under the list's filters");
is_deeply(get_ok('/api/recordings/categories?state=deleted')->{items}, [{ name => 'Celeste', count => 1 }],
          'deleted ones when asked for');
is_deeply(get_ok('/api/recordings/categories?category=pokemon')->{items}, [], 'none');
for my $q ('limit=0', 'limit=201', 'category=' . ('y' x 201), 'state=gone', 'from=yesterday') {
    is($stack->api('GET', "/api/recordings/categories?$q", as => $admin)->{status}, 400, "categories ?$q: 400");
}
is($stack->api('GET', '/api/recordings/categories')->{status}, 401, 'only for users');
my $viewer = $stack->api('POST', '/api/users', as => $admin,
                         json => { username => 'viewer', password => 'viewer-password-1', role => 'viewer' });
is($viewer->{status}, 201, 'a viewer') or diag($viewer->{content});
is($stack->api('GET', '/api/recordings/categories', as => $stack->login('viewer', 'viewer-password-1'))->{status},
   200, 'who may read them');
ok(exists get_ok('/api/openapi.json')->{paths}{'/api/recordings/categories'}{get}, 'in the OpenAPI document');

# a category that comes later is seen (the API cache follows the tables)
stream($bob, '4', 'Celeste', '2026-01-05 10:00+00');
recording($bob, psql('SELECT max(id) FROM streams'), 'again', '2026-01-05 10:00+00');
ok(wait_for(sub { ($stack->api('GET', '/api/recordings/categories?limit=1', as => $admin)->{json}{items}[0]{count} // 0) == 4 }),
   'a new recording counts');

done_testing;
