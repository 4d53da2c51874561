module demosnap

go 1.26.0

require (
	github.com/veille-oss/veille/deploy/demo v0.0.0
	github.com/veille-oss/veille/pkg v0.0.0
)

require (
	github.com/PuerkitoBio/goquery v1.13.0 // indirect
	github.com/andybalholm/cascadia v1.3.4 // indirect
	golang.org/x/net v0.62.0 // indirect
	golang.org/x/text v0.43.0 // indirect
)

replace github.com/veille-oss/veille/deploy/demo => ../../../../deploy/demo

replace github.com/veille-oss/veille/pkg => ../../../../pkg
