package mail

var cases = []string{
	"a@example.org",
	"a@foo.example",
	"a@bar.test",
	"a@baz.invalid",
	"b.c@example.org",
	"b.c@foo.example",
	"b.c@bar.test",
	"b.c@baz.invalid",
	"x+y@example.org",
	"x+y@foo.example",
	"x+y@bar.test",
	"x+y@baz.invalid",
	"first.last@example.org",
	"first.last@foo.example",
	"first.last@bar.test",
	"first.last@baz.invalid",
}
