// The table model is never displayed itself: views read it by reference.
// anywidget still needs a module for the model, so this one is empty.
export default {};
